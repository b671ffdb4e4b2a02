/// The built-in rules: Falco's stable rules that InfraSight's probes can see, and the attacker moves the
/// detection issue lists, tagged with MITRE ATT&CK techniques. `infrasight detect --print-default-rules`
/// prints them; a `--rules` file overrides or appends by name (`enabled: false` turns one off).
///
/// Why text in the binary: the rules are data, read by the same parser as a user's file, and the binary
/// carries them wherever it runs (container image, DaemonSet, plain host) with no file to install.
public enum DefaultRules {
    public static let fileName = "<default rules>"

    public static let yaml = #"""
# ---------------------------------------------------------------------------------------------------
# Lists
- list: shell_binaries
  items: [ash, bash, csh, ksh, sh, tcsh, zsh, dash, fish, mksh]

- list: service_binaries
  items: [nginx, httpd, apache2, lighttpd, caddy, php-fpm, php-fpm8.2, php-fpm7.4, uwsgi, gunicorn, puma, unicorn,
          tomcat, catalina.sh, jetty, mysqld, mariadbd, postgres, redis-server, mongod, memcached, named, dnsmasq,
          haproxy, traefik, envoy, squid, vsftpd, proftpd, smbd, elasticsearch, kibana, grafana, grafana-server]

- list: sensitive_file_readers
  items: [sshd, sudo, su, login, passwd, chpasswd, chage, chfn, chsh, unix_chkpwd, useradd, usermod, userdel,
          groupadd, groupmod, groupdel, gpasswd, newusers, chgpasswd, vipw, vigr, pwck, grpck, pwconv, grpconv,
          systemd, systemd-logind, systemd-userdbd, cron, crond, polkitd, accounts-daemon, shadowconfig,
          dpkg, unattended-upgr, ssh, scp, sftp, ssh-agent, ssh-add, ssh-keygen, ssh-keyscan, git-remote-ssh]

# Files whose contents give away credentials. Paths are matched after resolution (cwd joined, ../ applied).
- list: sensitive_paths
  items: [/etc/shadow, /etc/gshadow, /etc/shadow-, /etc/gshadow-, /etc/sudoers, /etc/sudoers.d,
          /etc/security/opasswd, /var/run/secrets/kubernetes.io/serviceaccount,
          /run/secrets/kubernetes.io/serviceaccount, /var/lib/kubelet/pki, /etc/kubernetes/pki]

- list: world_writable_dirs
  items: [/tmp, /var/tmp, /dev/shm, /run/shm, /dev/mqueue]

- list: package_managers
  items: [dpkg, apt, apt-get, aptitude, unattended-upgr, rpm, dnf, yum, zypper, apk, snapd, pip, pip3]

- list: cron_paths
  items: [/etc/crontab, /etc/cron.d, /etc/cron.hourly, /etc/cron.daily, /etc/cron.weekly, /etc/cron.monthly,
          /var/spool/cron, /etc/anacrontab]

- list: systemd_unit_dirs
  items: [/etc/systemd/system, /etc/systemd/user, /lib/systemd/system, /usr/lib/systemd/system,
          /run/systemd/system, /usr/local/lib/systemd/system]

- list: log_dirs
  items: [/var/log]

# Shell history files (Falco's modify_shell_history names).
- list: shell_history_names
  items: [.bash_history, .zsh_history, .sh_history, .ash_history, fish_history, .mysql_history, .psql_history, .python_history]

# Directories a link must not point at or stand in for (Falco's sensitive_directory_names).
- list: sensitive_directories
  items: [/, /etc, /root]

- list: log_rotators
  items: [logrotate, savelog, journald, systemd-journal, rsyslogd, syslog-ng]

- list: netcat_binaries
  items: [nc, ncat, netcat, nc.traditional, nc.openbsd, socat]

- list: search_binaries
  items: [find, grep, egrep, fgrep, rg, ag, locate, mlocate, plocate, ack]

- list: ssh_clients
  items: [ssh, scp, sftp]

- list: k8s_api_server_ports
  items: [6443]

- list: bulk_removal_binaries
  items: [shred, wipefs, wipe, srm, blkdiscard]

# Container runtimes: runc re-executes itself from a memfd copy when it starts a container (CVE-2019-5736).
- list: container_engines
  items: [runc, crun, conmon, podman, containerd, containerd-shim, containerd-shim-runc-v2, dockerd, docker, crio, cri-o]

- list: module_loaders
  items: [insmod, modprobe]

# Programs that load BPF programs by design (comm names): observability and security agents, CNI and
# service-mesh dataplanes, systemd (cgroup device and firewall programs), this product's agent.
- list: known_bpf_loaders
  items: [infrasight, systemd, systemd-network, systemd-resolve, systemd-journal, systemd-logind, systemd-udevd,
          falco, falcosidekick, tetragon, tracee, tracee-ebpf, cilium-agent, cilium-envoy, calico-node,
          pixie, parca-agent, pyroscope, datadog-agent, system-probe, inspektor-gadg, ig, kubectl-gadget,
          node-problem-de, bpfman, bpfman-rpc, netdata, crowdsec, falco-driver-lo]

# Set-user-id-root programs whose job is to make a user root (or run something as another user).
- list: privilege_switch_binaries
  items: [sudo, su, sg, newgrp, pkexec, doas, passwd, chsh, chfn, gpasswd, chage, expiry, newuidmap, newgidmap,
          unix_chkpwd, mount, umount, fusermount, fusermount3, ping, crontab, at, ssh-keysign, polkit-agent-helper-1]
# Servers that hand a client's socket to a program on its stdin/stdout by design (inetd style).
- list: socket_stdio_servers
  items: [inetd, xinetd, tcpd, tcpserver, s6-tcpserver, s6-tcpserver4, s6-tcpserver6, systemd, sshd]

# Programs that open packet sockets for their job: capture tools, DHCP clients and servers, link-layer daemons.
- list: packet_socket_users
  items: [tcpdump, tshark, dumpcap, wireshark, termshark, ngrep, zeek, snort, suricata, arpwatch, arping, ndisc6,
          dhclient, dhcpcd, udhcpc, dhcpd, dnsmasq, NetworkManager, wpa_supplicant, hostapd, systemd-network,
          systemd-networkd, lldpd, keepalived, ladvd, pppd, ptp4l]

# Programs whose job is to listen on the network (comm names, at most 15 bytes): servers, proxies,
# databases and brokers, cluster and container daemons, name and time services, this product's own stages.
- list: known_server_binaries
  items: [sshd, nginx, apache2, httpd, lighttpd, caddy, haproxy, envoy, traefik, squid, varnishd, mysqld, mariadbd,
          postgres, postmaster, redis-server, memcached, mongod, clickhouse-serv, clickhouse, tansu, nats-server,
          kafka, java, containerd, dockerd, docker-proxy, kubelet, kube-apiserver, kube-proxy, kube-controller, kube-scheduler,
          etcd, coredns, dnsmasq, named, unbound, systemd-resolve, chronyd, ntpd, cupsd, avahi-daemon, rpcbind,
          rpc.statd, rpc.mountd, smbd, nmbd, exim4, master, dovecot, vsftpd, proftpd, slapd, prometheus,
          node_exporter, grafana-server, grafana, infrasight, xinetd, inetd, systemd, dhclient, dhcpd, sshd-session]

# Shells and interpreters that a bind shell listens with (nc -l -e /bin/sh, python or perl one-liners).
- list: listener_shells
  items: [ash, bash, csh, ksh, sh, tcsh, zsh, dash, fish, mksh, busybox, python, python2, python3, python3.11,
          python3.12, perl, ruby, php, lua, node, nc, ncat, netcat, nc.openbsd, nc.traditional, socat, awk, gawk,
          telnet, openssl]

# ---------------------------------------------------------------------------------------------------
# Macros
# A socket now waiting for peers on an IP port: a successful listen(), or a UDP bind to a chosen port
# (a UDP server never calls listen; port 0 is a client's ephemeral port).
- macro: new_ip_listener
  condition: >
    evt.probe = bind and not evt.failed and bind.family in (2, 10)
    and (evt.type = listen or (evt.type = bind and bind.type = 2 and net.lport > 0))

- macro: loopback_listener
  condition: net.lip startswith "127." or net.lip = "::1"

- macro: spawned_process
  condition: evt.probe = execve and not evt.failed

- macro: open_read
  condition: evt.probe = open and not open.write and not evt.failed

- macro: open_write
  condition: evt.probe = open and open.write and not evt.failed

- macro: container
  condition: container.id exists

- macro: sensitive_files
  condition: >
    fd.name pmatch (sensitive_paths) or fd.name glob "/root/.ssh/id_*" or fd.name glob "/home/*/.ssh/id_*"
    or fd.name glob "/etc/ssh/ssh_host_*_key" or fd.name glob "*/.aws/credentials"
    or fd.name glob "*/.config/gcloud/*credentials*" or fd.name glob "*/.azure/*Token*"
    or fd.name glob "*/.kube/config" or fd.name glob "*/.docker/config.json"

# The runtime setting a container up: runc's init (comm runc:[2:INIT]) mounts the rootfs, /proc, /dev and
# the cgroups inside the new container before the container's own program runs, and runc bind-mounts its
# own binary under /run/runc (comm exe).
- macro: container_runtime_setup
  condition: proc.name startswith "runc:" or proc.name in (runc, crun, conmon) or (proc.name = exe and mount.target startswith /run/runc/)

# Links and removals (probe link): the name created or removed is fd.name; the target or old path is
# link.old_name, both resolved against the cwd or dirfd.
- macro: link_old_name_sensitive
  condition: >
    link.old_name pmatch (sensitive_paths) or link.old_name in (sensitive_directories)
    or link.old_name glob "/root/.ssh/id_*" or link.old_name glob "/home/*/.ssh/id_*"
    or link.old_name glob "/etc/ssh/ssh_host_*_key"

- macro: removed_or_renamed_away
  condition: evt.probe = link and evt.type in (unlink, unlinkat, rename, renameat, renameat2) and not evt.failed

# An IP socket put on a process's standard input (dup2/dup3/dup/fcntl onto fd 0): the shell or program
# then reads its commands from the network. stdout/stderr alone are not enough (a program sending data).
- macro: stdin_from_ip_socket
  condition: evt.probe = dup and dup.newfd = 0 and dup.family in (2, 10) and not evt.failed and not proc.name in (socket_stdio_servers)

- macro: shell_procs
  condition: proc.name in (shell_binaries)

# A shell by the binary an exec reached (a link named otherwise still is the shell).
- macro: shell_binary_file
  condition: >
    fd.name glob "*/sh" or fd.name glob "*/bash" or fd.name glob "*/dash" or fd.name glob "*/zsh"
    or fd.name glob "*/ksh" or fd.name glob "*/ash" or fd.name glob "*/mksh" or fd.name glob "*/busybox"

# The program an exec ran, by its file (fd.name is the binary actually reached, a symlink followed)
# as well as by its name, so a renamed link does not hide it.
- macro: search_binary_file
  condition: fd.name glob "*/find" or fd.name glob "*/grep" or proc.exe glob "*/find" or proc.exe glob "*/grep"

- macro: exe_in_world_writable_dir
  condition: proc.exe pmatch (world_writable_dirs)

# ---------------------------------------------------------------------------------------------------
# Credential access
- rule: Read sensitive file untrusted
  desc: A process outside the list of programs that need them read a credential file (shadow, sudoers, SSH keys, service-account tokens, cloud credentials).
  condition: open_read and sensitive_files and not proc.name in (sensitive_file_readers)
  output: "Sensitive file %fd.name opened for reading by %proc.name (pid=%proc.pid exe=%proc.exe parent=%proc.pname user=%user.name container=%container.id passed=%fd.passed_name)"
  priority: warning
  tags: [T1003.008, T1552.001, mitre_credential_access]

- rule: Directory traversal monitored file read
  desc: A file under /etc was read through a path climbing with ../ (a web application's path-traversal bug, or an evasion).
  condition: open_read and fd.passed_name glob "*../*../*" and fd.name startswith /etc/
  output: "File %fd.name read through traversal path %fd.passed_name by %proc.name (pid=%proc.pid cwd=%proc.cwd user=%user.name)"
  priority: warning
  tags: [T1555, mitre_credential_access]

- rule: Repeated denied access to sensitive files
  desc: One process was refused a credential file again and again (guessing where secrets are, or probing permissions).
  condition: evt.probe = open and evt.failed and sensitive_files
  threshold:
    count: 5
    within: 10s
  output: "Process %proc.name (pid=%proc.pid user=%user.name) was refused sensitive files repeatedly, last %fd.name (res=%evt.res)"
  priority: notice
  tags: [T1083, mitre_discovery]

- rule: Search private keys or passwords
  desc: A search tool was run for private keys or password files.
  condition: >
    spawned_process and (proc.name in (search_binaries) or search_binary_file)
    and (proc.cmdline contains id_rsa or proc.cmdline contains id_dsa or proc.cmdline contains id_ecdsa
         or proc.cmdline contains id_ed25519 or proc.cmdline contains "BEGIN RSA PRIVATE"
         or proc.cmdline contains "BEGIN OPENSSH PRIVATE" or proc.cmdline contains "BEGIN PRIVATE KEY"
         or proc.cmdline icontains "password" or proc.cmdline contains ".pem")
  output: "Search for private keys or passwords (command=%proc.cmdline pid=%proc.pid user=%user.name parent=%proc.pname)"
  priority: warning
  tags: [T1552.001, T1552.004, mitre_credential_access]

- rule: Find AWS credentials
  desc: A search tool was run for AWS access keys or credential files.
  condition: >
    spawned_process and (proc.name in (search_binaries) or search_binary_file)
    and (proc.cmdline contains aws_access_key_id or proc.cmdline contains aws_secret_access_key
         or proc.cmdline contains aws_session_token or proc.cmdline contains ".aws/credentials")
  output: "Search for AWS credentials (command=%proc.cmdline pid=%proc.pid user=%user.name parent=%proc.pname)"
  priority: warning
  tags: [T1552.001, mitre_credential_access]

# ---------------------------------------------------------------------------------------------------
# Execution
- rule: Run shell untrusted
  desc: A web server, database or other service started a shell (a web shell, an injected command).
  condition: spawned_process and shell_procs and proc.pname in (service_binaries)
  output: "Shell %proc.name spawned by service %proc.pname (command=%proc.cmdline pid=%proc.pid parent_exe=%proc.pexe user=%user.name container=%container.id)"
  priority: warning
  tags: [T1059.004, T1505.003, mitre_execution]

- rule: Execution from a world-writable directory
  desc: A program was run from /tmp, /var/tmp or /dev/shm, where anyone can drop files.
  condition: spawned_process and fd.name pmatch (world_writable_dirs)
  output: "Program %fd.name executed from a world-writable directory (command=%proc.cmdline pid=%proc.pid parent=%proc.pname user=%user.name container=%container.id)"
  priority: warning
  tags: [T1059, T1204.002, mitre_execution]

- rule: Execution from a hidden directory
  desc: A program was run from a directory whose name starts with a dot, outside the usual tool folders.
  condition: spawned_process and fd.directory contains "/."
  exceptions:
    - name: tool_folders
      fields: [fd.name]
      comps: [glob]
      values: [["*/.local/bin/*"], ["*/.cargo/bin/*"], ["*/.rustup/*"], ["*/.pyenv/*"], ["*/.nvm/*"], ["*/.sdkman/*"],
               ["*/.vscode-server/*"], ["*/.build/*"], ["*/.deps/*"], ["*/.git/hooks/*"], ["*/.venv/bin/*"]]
  output: "Program %fd.name executed from a hidden directory (command=%proc.cmdline pid=%proc.pid parent=%proc.pname user=%user.name)"
  priority: notice
  tags: [T1564.001, mitre_defense_evasion]

- rule: Fileless execution via memfd_create
  desc: A program ran from memory (a memfd, or a file descriptor with no path), leaving no file on disk.
  condition: >
    spawned_process and (exec.exe_memfd or proc.exe startswith "/memfd:" or exec.filename startswith /proc/self/fd/
    or exec.filename startswith /dev/fd/ or (evt.type = execveat and not exec.filename exists))
    and not proc.pname in (container_engines) and not proc.aname in (runc, crun)
  output: "Fileless execution (exe=%proc.exe filename=%exec.filename command=%proc.cmdline pid=%proc.pid parent=%proc.pname user=%user.name)"
  priority: critical
  tags: [T1620, mitre_defense_evasion]

- rule: Execution of a deleted binary
  desc: A program ran from a file that was removed while open (its name gone before the exec), so nothing on disk shows what ran.
  condition: spawned_process and exec.exe_unlinked and not exec.exe_memfd and not proc.pname in (container_engines) and not proc.aname in (runc, crun)
  output: "Deleted binary executed (exe=%proc.exe filename=%exec.filename command=%proc.cmdline pid=%proc.pid parent=%proc.pname user=%user.name)"
  priority: critical
  tags: [T1620, T1070.004, mitre_defense_evasion]

- rule: Drop and execute new binary
  desc: One process wrote a file, made it executable and ran it (a dropper).
  sequence:
    by: process
    within: 60s
    same: [fd.name]
    steps:
      - evt.probe = open and open.create and not evt.failed
      - evt.probe = chmod and chmod.exec and not evt.failed
      - spawned_process
  output: "Process wrote, made executable and ran %fd.name (pid=%proc.pid command=%proc.cmdline user=%user.name container=%container.id)"
  priority: critical
  tags: [T1105, T1059, mitre_command_and_control]

- rule: Netcat remote code execution
  desc: netcat or socat was started with a program to run for the remote end (a reverse or bind shell).
  condition: >
    spawned_process and (proc.name in (netcat_binaries))
    and (proc.cmdline contains " -e" or proc.cmdline contains " -c" or proc.cmdline contains "--exec"
         or proc.cmdline contains "--sh-exec" or proc.cmdline contains "--lua-exec" or proc.cmdline contains "EXEC:"
         or proc.cmdline contains "SYSTEM:")
  output: "Netcat runs a program for the network (command=%proc.cmdline pid=%proc.pid user=%user.name container=%container.id)"
  priority: warning
  tags: [T1059, T1071, mitre_execution]

- rule: Socket redirected to a standard stream
  desc: A network socket was duplicated onto a process's standard input (bash -i >& /dev/tcp/host/port 0>&1, python's os.dup2(s.fileno(), 0)), the signature of a reverse or bind shell.
  condition: stdin_from_ip_socket
  output: "Socket %net.lip:%net.lport <-> %net.rip:%net.rport put on stdin of %proc.name by %evt.type (oldfd=%dup.oldfd pid=%proc.pid exe=%proc.exe parent=%proc.pname user=%user.name container=%container.id)"
  priority: critical
  tags: [T1059, T1059.004, mitre_execution]

- rule: Shell executed with a network socket as standard input
  desc: A process put a network socket on its standard input and then executed a shell (socat EXEC:/bin/sh, a python reverse shell that execs /bin/sh). Only shells are held as the second step, so ordinary execs cost the engine nothing.
  sequence:
    by: process
    within: 60s
    steps:
      - stdin_from_ip_socket
      - spawned_process and (shell_procs or shell_binary_file)
  output: "Process %proc.pid executed the shell %proc.exe with a network socket on its stdin (command=%proc.cmdline user=%user.name container=%container.id)"
  priority: critical
  tags: [T1059, mitre_execution]

- rule: Remove bulk data from disk
  desc: A tool that destroys data beyond recovery was run.
  condition: spawned_process and (proc.name in (bulk_removal_binaries) or fd.name in (/usr/bin/shred, /bin/shred, /usr/sbin/wipefs, /sbin/wipefs)
                                 or proc.exe in (/usr/bin/shred, /bin/shred, /usr/sbin/wipefs, /sbin/wipefs))
  output: "Bulk data removal tool run (command=%proc.cmdline exe=%proc.exe pid=%proc.pid user=%user.name)"
  priority: warning
  tags: [T1485, mitre_impact]

- rule: Kernel module load tool executed
  desc: insmod or modprobe was run (a rootkit loads as a module).
  condition: spawned_process and (proc.name in (module_loaders) or fd.name in (/usr/sbin/insmod, /sbin/insmod, /usr/sbin/modprobe, /sbin/modprobe, /usr/bin/kmod, /bin/kmod)
                                 or proc.exe in (/usr/sbin/insmod, /sbin/insmod, /usr/sbin/modprobe, /sbin/modprobe))
  output: "Kernel module tool run (command=%proc.cmdline pid=%proc.pid parent=%proc.pname user=%user.name container=%container.id)"
  priority: warning
  tags: [T1547.006, mitre_persistence]

- rule: Linux Kernel Module Injection Detected
  desc: A process tried to load a kernel module (init_module or finit_module, seen at the attempt, whatever the kernel then decided), by any loader, renamed or not. A rootkit loads as a module.
  condition: evt.probe = kernel and evt.type in (init_module, finit_module)
  output: "Kernel module load attempted by %proc.name (%evt.type file=%fd.name params=%kernel.params image_len=%kernel.image_len pid=%proc.pid exe=%proc.exe parent=%proc.pname user=%user.name container=%container.id)"
  priority: warning
  tags: [T1547.006, T1014, mitre_persistence]

- rule: BPF program loaded by an unexpected process
  desc: A process outside the known BPF users loaded a BPF program (bpf BPF_PROG_LOAD, seen at the attempt). eBPF rootkits hide files and processes, tamper with syscalls or blind security tools this way.
  condition: evt.probe = kernel and evt.type = bpf and not proc.name in (known_bpf_loaders)
  output: "BPF program load by %proc.name (type %kernel.prog_type name=%kernel.prog_name insns=%kernel.insn_cnt pid=%proc.pid exe=%proc.exe parent=%proc.pname user=%user.name container=%container.id)"
  priority: warning
  tags: [T1014, T1562.001, mitre_defense_evasion]

# ---------------------------------------------------------------------------------------------------
# Privilege escalation and process injection
- rule: PTRACE attached to process
  desc: A process attached to, or wrote into, another with ptrace (code injection, credential theft from memory).
  condition: evt.probe = ptrace and ptrace.request in (16, 0x4206, 4, 5, 6) and not evt.failed
  output: "ptrace request %ptrace.request by %proc.name on pid %ptrace.target (pid=%proc.pid exe=%proc.exe user=%user.name container=%container.id)"
  priority: warning
  tags: [T1055.008, mitre_privilege_escalation]

- rule: PTRACE anti-debug attempt
  desc: A process asked to be traced by its parent (PTRACE_TRACEME), a trick to keep debuggers away.
  condition: evt.probe = ptrace and ptrace.request = 0
  output: "PTRACE_TRACEME by %proc.name (pid=%proc.pid exe=%proc.exe parent=%proc.pname user=%user.name)"
  priority: notice
  tags: [T1622, mitre_defense_evasion]

- rule: Packet socket created by a process other than known sniffers
  desc: A process outside the capture tools and network daemons created a packet socket (AF_PACKET, or the old SOCK_PACKET) to sniff or forge traffic; refused attempts count too.
  condition: evt.probe = socket and (socket.family = 17 or socket.type = 10) and not proc.name in (packet_socket_users)
  output: "Packet socket (family=%socket.family type=%socket.type protocol=%socket.protocol res=%evt.res) created by %proc.name (pid=%proc.pid exe=%proc.exe parent=%proc.pname user=%user.name container=%container.id)"
  priority: warning
  tags: [T1040, mitre_credential_access, mitre_discovery]

- rule: New listening socket by a process that is not a known server
  desc: A process outside the known servers started listening on a network-reachable port (a backdoor listener, a tunnel or C2 on a non-standard port). Loopback-only listeners are left out; shells and interpreters have their own rule.
  condition: new_ip_listener and not loopback_listener and not proc.name in (known_server_binaries) and not proc.name in (listener_shells)
  output: "%proc.name listens on %net.lip:%net.lport (%net.proto %evt.type service=%net.service pid=%proc.pid exe=%proc.exe parent=%proc.pname user=%user.name container=%container.id)"
  priority: notice
  tags: [T1571, mitre_command_and_control]

- rule: Shell or interpreter listening on a network port
  desc: A shell, interpreter or netcat-like tool listens on an IP port (nc -l -e /bin/sh, a python or perl bind shell), on any address.
  condition: new_ip_listener and proc.name in (listener_shells)
  output: "Bind shell suspected: %proc.name listens on %net.lip:%net.lport (%net.proto %evt.type pid=%proc.pid exe=%proc.exe command=%proc.cmdline parent=%proc.pname user=%user.name container=%container.id)"
  priority: critical
  tags: [T1059, T1571, mitre_execution]

# Shells never send datagrams themselves (bash's /dev/udp connects, then writes): a process named as a shell
# that does is an implant masquerading as one, or code injected into one. DNS (port 53) is left out.
- rule: Outbound UDP to a non-DNS port from a shell
  desc: A process named as a shell (or busybox) sent a UDP datagram to an explicit destination other than port 53 (sendto, sendmsg, sendmmsg without connect), a non-application-layer channel (C2 or exfiltration over UDP).
  condition: evt.probe = sendto and not evt.failed and sendto.type = 2 and net.rport != 53 and (proc.name in (shell_binaries) or proc.name = busybox)
  output: "UDP datagram from %proc.name to %net.rip:%net.rport (%evt.type count=%sendto.count pid=%proc.pid exe=%proc.exe parent=%proc.pname user=%user.name container=%container.id)"
  priority: warning
  tags: [T1095, mitre_command_and_control]

- rule: Set setuid or setgid bit
  desc: A file was given the set-user-id or set-group-id bit (a backdoor that runs as its owner).
  condition: evt.probe = chmod and (chmod.setuid or chmod.setgid) and not evt.failed and not proc.name in (package_managers)
  output: "Setuid or setgid bit set on %fd.name (mode=%chmod.mode by %proc.name pid=%proc.pid user=%user.name container=%container.id)"
  priority: notice
  tags: [T1548.001, mitre_privilege_escalation]

# The real uid before the call is what makes a process "non-root": a root daemon that lowered only its
# effective uid and raises it again (old uid 0) is not reported.
- rule: Setuid to root by a non-root process
  desc: A process whose real uid is not root made itself root (uid or effective uid 0) with setuid, setreuid or setresuid, as a set-user-id-root backdoor or an exploited setuid program does.
  condition: evt.probe = setid and setid.old_uid != 0 and (setid.new_uid = 0 or setid.new_euid = 0) and not evt.failed and not proc.name in (privilege_switch_binaries)
  output: "%proc.name became root with %evt.type (old uid=%setid.old_uid euid=%setid.old_euid, new uid=%setid.new_uid euid=%setid.new_euid; pid=%proc.pid exe=%proc.exe parent=%proc.pname container=%container.id)"
  priority: critical
  tags: [T1548.001, mitre_privilege_escalation]

# ---------------------------------------------------------------------------------------------------
# Persistence and defence evasion
- rule: Crontab modified
  desc: A cron table was opened for writing.
  condition: open_write and fd.name pmatch (cron_paths) and not proc.name in (package_managers)
  output: "Cron table %fd.name opened for writing by %proc.name (pid=%proc.pid user=%user.name command=%proc.cmdline)"
  priority: notice
  tags: [T1053.003, mitre_persistence]

- rule: Systemd unit written
  desc: A systemd unit file was opened for writing outside a package manager.
  condition: open_write and fd.name pmatch (systemd_unit_dirs) and not proc.name in (package_managers) and not proc.name in (systemd, systemctl)
  output: "Systemd unit %fd.name opened for writing by %proc.name (pid=%proc.pid user=%user.name)"
  priority: notice
  tags: [T1543.002, mitre_persistence]

- rule: Dynamic linker preload written
  desc: "/etc/ld.so.preload was opened for writing, so every program would load the named library (a rootkit)."
  condition: open_write and fd.name = /etc/ld.so.preload
  output: "%fd.name opened for writing by %proc.name (pid=%proc.pid exe=%proc.exe user=%user.name)"
  priority: critical
  tags: [T1574.006, mitre_persistence]

- rule: SSH authorized keys modified
  desc: An SSH authorized_keys file was opened for writing (a key added for a way back in).
  condition: open_write and fd.filename in (authorized_keys, authorized_keys2)
  output: "SSH %fd.name opened for writing by %proc.name (pid=%proc.pid user=%user.name)"
  priority: warning
  tags: [T1098.004, mitre_persistence]

- rule: Clear log activities
  desc: A log file under /var/log was truncated (covering tracks).
  condition: open_write and open.truncate and fd.name pmatch (log_dirs) and not proc.name in (log_rotators)
  output: "Log file %fd.name truncated by %proc.name (pid=%proc.pid user=%user.name command=%proc.cmdline)"
  priority: warning
  tags: [T1070.002, mitre_defense_evasion]

- rule: Create symlink over sensitive files
  desc: A symbolic link to a credential file or a sensitive directory was created (read through a name nobody watches, or a planted path).
  condition: evt.probe = link and evt.type in (symlink, symlinkat) and not evt.failed and link_old_name_sensitive
  output: "Symlink %fd.name -> %link.old_name created by %proc.name (target as passed=%link.old_passed_name pid=%proc.pid exe=%proc.exe user=%user.name container=%container.id)"
  priority: warning
  tags: [T1555, mitre_credential_access]

- rule: Create hardlink over sensitive files
  desc: A hard link to a credential file was created (a second name for its contents, outside any watched path).
  condition: evt.probe = link and evt.type in (link, linkat) and not evt.failed and link_old_name_sensitive
  output: "Hard link %fd.name -> %link.old_name created by %proc.name (pid=%proc.pid exe=%proc.exe user=%user.name container=%container.id)"
  priority: warning
  tags: [T1555, mitre_credential_access]

- rule: Delete or rename shell history
  desc: A shell history file was removed, renamed away or truncated (covering tracks).
  condition: >
    (removed_or_renamed_away and (fd.filename in (shell_history_names) and evt.type in (unlink, unlinkat)
      or link.old_name endswith history and evt.type in (rename, renameat, renameat2)
      and (link.old_name endswith .bash_history or link.old_name endswith .zsh_history or link.old_name endswith fish_history
           or link.old_name endswith .sh_history or link.old_name endswith .ash_history)))
    or (open_write and open.truncate and fd.filename in (shell_history_names))
  output: "Shell history %fd.name %evt.type by %proc.name (old name=%link.old_name pid=%proc.pid user=%user.name command=%proc.cmdline container=%container.id)"
  priority: warning
  tags: [T1070.003, mitre_defense_evasion]

- rule: Log file removed
  desc: A log file under /var/log was removed or renamed away outside log rotation (clear log activities).
  condition: >
    removed_or_renamed_away and not proc.name in (log_rotators) and not proc.name in (package_managers)
    and (fd.name pmatch (log_dirs) and evt.type in (unlink, unlinkat)
         or link.old_name pmatch (log_dirs) and evt.type in (rename, renameat, renameat2))
  output: "Log file %fd.name %evt.type by %proc.name (old name=%link.old_name pid=%proc.pid user=%user.name command=%proc.cmdline)"
  priority: warning
  tags: [T1070.002, mitre_defense_evasion]

# ---------------------------------------------------------------------------------------------------
# Command and control, lateral movement, container escape
- rule: Outbound connection from a binary in a world-writable directory
  desc: A program in /tmp, /var/tmp or /dev/shm connected to a network address.
  condition: >
    evt.probe = connect and exe_in_world_writable_dir and net.family in (AF_INET, AF_INET6)
    and not net.rip startswith "127." and not net.rip = "::1"
  output: "Connection to %net.rip:%net.rport by %proc.exe (pid=%proc.pid user=%user.name container=%container.id res=%evt.res)"
  priority: warning
  tags: [T1071, T1105, mitre_command_and_control]

- rule: Disallowed SSH connection non standard port
  desc: An SSH client connected to a port other than 22 (tunnels, C2 on odd ports).
  condition: evt.probe = connect and proc.name in (ssh_clients) and net.family in (AF_INET, AF_INET6) and net.rport != 22
  output: "SSH client %proc.name connected to %net.rip:%net.rport (pid=%proc.pid command=%proc.cmdline user=%user.name)"
  priority: notice
  tags: [T1571, mitre_command_and_control]

- rule: Contact K8S API server from container
  desc: A process in a container connected to the Kubernetes API server's port.
  condition: evt.probe = connect and container and net.rport in (k8s_api_server_ports)
  output: "Kubernetes API contacted from container %container.name (%container.id) by %proc.name (pid=%proc.pid %net.rip:%net.rport pod=%k8s.pod.name)"
  priority: notice
  tags: [T1565, mitre_discovery]

- rule: Mount launched in container
  desc: A process in a container mounted a file system (a way to reach the host's disks).
  condition: evt.probe = mount and evt.type = mount and container and not evt.failed and not container_runtime_setup
  output: "Mount of %mount.source on %mount.target (%mount.fstype) in container %container.id by %proc.name (pid=%proc.pid)"
  priority: warning
  tags: [T1611, mitre_privilege_escalation]

- rule: Mount API used in container
  desc: A process in a container made a mount with the new mount API, the way around a rule on mount(2) alone. fsmount makes a detached mount whose files can be read through its fd without ever attaching it; move_mount attaches one (from fsmount or a cloned open_tree).
  condition: evt.probe = mount and evt.type in (fsmount, move_mount) and container and not evt.failed and not container_runtime_setup
  output: "Mount API %evt.type (from %mount.source to %mount.target, flags %mount.flags) in container %container.id by %proc.name (pid=%proc.pid)"
  priority: warning
  tags: [T1611, mitre_privilege_escalation]

- rule: Debugfs launched in container
  desc: debugfs was run in a container (raw access to a host disk).
  condition: spawned_process and container and proc.name = debugfs
  output: "debugfs run in container %container.id (command=%proc.cmdline pid=%proc.pid)"
  priority: warning
  tags: [T1611, mitre_privilege_escalation]

- rule: Detect release_agent file container escapes
  desc: A container process wrote a cgroup v1 release_agent file (a known container escape).
  condition: open_write and container and fd.filename = release_agent
  output: "release_agent %fd.name opened for writing in container %container.id by %proc.name (pid=%proc.pid)"
  priority: critical
  tags: [T1611, mitre_privilege_escalation]
"""#
}
