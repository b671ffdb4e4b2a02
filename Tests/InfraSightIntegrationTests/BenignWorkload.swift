/// What an ordinary build-and-deploy day on a host looks like, as one shell script: compile and run a C
/// program, run Python, create a venv and pip-install a local package into it (offline), unpack a
/// .deb-like tree and install it with `install`, run shell scripts, and change privileges the way root
/// services do. No default rule may fire on it.
enum BenignWorkload {
    static func script(dir: String) -> String {
        let py = DetectTrigger.python
        return """
        set -e
        mkdir -p \(dir) && cd \(dir)
        # C: compile, link, run
        cat > hello.c <<'C'
        #include <stdio.h>
        int main(void) { printf("hello\\n"); return 0; }
        C
        gcc -O1 -o hello hello.c
        ./hello > /dev/null
        # Python: a script with files, a subprocess and json
        \(py) - <<'PY'
        import json, os, subprocess, tempfile
        with open('data.json', 'w') as f: json.dump({'a': 1}, f)
        subprocess.run(['ls', '-l'], check=True, stdout=subprocess.DEVNULL)
        with tempfile.NamedTemporaryFile('w') as t: t.write('x')
        PY
        # pip: a local package (a wheel made here) into a venv, offline
        \(py) - <<'PY'
        import zipfile
        files = {
            'benignpkg/__init__.py': 'VALUE = 42\\n',
            'benignpkg-1.0.dist-info/METADATA': 'Metadata-Version: 2.1\\nName: benignpkg\\nVersion: 1.0\\n',
            'benignpkg-1.0.dist-info/WHEEL': 'Wheel-Version: 1.0\\nGenerator: benign\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n',
        }
        files['benignpkg-1.0.dist-info/RECORD'] = ''.join(f'{name},,\\n' for name in files) + 'benignpkg-1.0.dist-info/RECORD,,\\n'
        with zipfile.ZipFile('benignpkg-1.0-py3-none-any.whl', 'w') as whl:
            for name, text in files.items(): whl.writestr(name, text)
        PY
        \(py) -m venv venv
        venv/bin/pip install --quiet --no-index --disable-pip-version-check ./benignpkg-1.0-py3-none-any.whl
        venv/bin/python -c 'import benignpkg; assert benignpkg.VALUE == 42'
        # A .deb-like tree: unpack, install, run
        mkdir -p build/usr/bin build/usr/share/doc/tool
        printf '#!/bin/sh\\necho tool ok\\n' > build/usr/bin/tool
        chmod 0755 build/usr/bin/tool
        echo docs > build/usr/share/doc/tool/README
        tar -czf tool.tar.gz -C build .
        mkdir -p unpacked prefix/bin prefix/share/doc
        tar -xzf tool.tar.gz -C unpacked
        install -m 0755 unpacked/usr/bin/tool prefix/bin/tool
        cp -r unpacked/usr/share/doc/tool prefix/share/doc/
        prefix/bin/tool > /dev/null
        # Shell scripts
        cat > job.sh <<'SH'
        #!/bin/sh
        for i in 1 2 3; do echo "line $i"; done | grep line | sed 's/line/row/' | awk '{print $2}' > rows.txt
        wc -l < rows.txt
        SH
        chmod +x job.sh
        ./job.sh > /dev/null
        sh -c 'cat /etc/hostname /etc/os-release > /dev/null; id > /dev/null; ps -e > /dev/null'
        # Privilege changes a root service makes: a command run as nobody, the effective ids lowered and raised
        setpriv --reuid=65534 --regid=65534 --clear-groups id > /dev/null
        \(py) -c 'import os; os.setegid(65534); os.seteuid(65534); os.seteuid(0); os.setegid(0)'
        echo benign workload done
        """
    }
}
