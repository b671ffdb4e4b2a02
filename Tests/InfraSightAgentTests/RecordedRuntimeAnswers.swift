import Foundation

/// Answers recorded from real runtimes (and one built from the runtime's published schema), for decoder and
/// client tests.
enum RecordedRuntimeAnswers {
    /// podman 4.3.1 (Debian 12), `GET /containers/<id>/json` on `podman system service`, for a container run
    /// with `--name wtcg-test --label team=infra --label app=demo` from an image imported with `podman import`.
    static let podmanInspect = #"{"Id":"a826d37da18e54a10b02cf47024a85b57ec9f4ce79f5ec9a4aa285bf1f31cef3","Created":"2026-11-27T22:05:24.396356436Z","Path":"/bin/sleep","Args":["30"],"State":{"Status":"running","Running":true,"Paused":false,"Restarting":false,"OOMKilled":false,"Dead":false,"Pid":28416,"ExitCode":0,"Error":"","StartedAt":"2026-11-27T22:05:25.053011923Z","FinishedAt":"0001-01-01T00:00:00Z","Health":{"Status":"","FailingStreak":0,"Log":null}},"Image":"sha256:84276d5de5c061b3d5d6c392222162567c4d74e7723a01fc64c81070af828747","ResolvConfPath":"","HostnamePath":"/run/containers/storage/overlay-containers/a826d37da18e54a10b02cf47024a85b57ec9f4ce79f5ec9a4aa285bf1f31cef3/userdata/hostname","HostsPath":"/run/containers/storage/overlay-containers/a826d37da18e54a10b02cf47024a85b57ec9f4ce79f5ec9a4aa285bf1f31cef3/userdata/hosts","LogPath":"/var/lib/containers/storage/overlay-containers/a826d37da18e54a10b02cf47024a85b57ec9f4ce79f5ec9a4aa285bf1f31cef3/userdata/ctr.log","Name":"/wtcg-test","RestartCount":0,"Driver":"overlay","Platform":"linux","MountLabel":"","ProcessLabel":"","AppArmorProfile":"","ExecIDs":[],"HostConfig":{"Binds":[],"ContainerIDFile":"","LogConfig":{"Type":"json-file","Config":null},"NetworkMode":"none","PortBindings":{},"RestartPolicy":{"Name":"","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"CapAdd":[],"CapDrop":["AUDIT_WRITE","MKNOD","NET_RAW"],"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":[],"GroupAdd":[],"IpcMode":"shareable","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"private","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":[],"UTSMode":"private","UsernsMode":"","ShmSize":65536000,"Runtime":"oci","ConsoleSize":[0,0],"Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":null,"BlkioDeviceReadBps":null,"BlkioDeviceWriteBps":null,"BlkioDeviceReadIOps":null,"BlkioDeviceWriteIOps":null,"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"KernelMemory":0,"KernelMemoryTCP":0,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":0,"OomKillDisable":false,"PidsLimit":2048,"Ulimits":[{"Name":"RLIMIT_NOFILE","Hard":1024,"Soft":1024},{"Name":"RLIMIT_NPROC","Hard":1000,"Soft":1000}],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null},"GraphDriver":{"Data":{"LowerDir":"/var/lib/containers/storage/overlay/b6f9c69ec60d14df2b8e0c72520653a33be9a8292d4d372eb8d116d18a557593/diff","MergedDir":"/var/lib/containers/storage/overlay/64111f3e075efe9d0f8a6233d6cbfd29a374501e7d64e28d2e703d3f5c791972/merged","UpperDir":"/var/lib/containers/storage/overlay/64111f3e075efe9d0f8a6233d6cbfd29a374501e7d64e28d2e703d3f5c791972/diff","WorkDir":"/var/lib/containers/storage/overlay/64111f3e075efe9d0f8a6233d6cbfd29a374501e7d64e28d2e703d3f5c791972/work"},"Name":"overlay"},"SizeRootFs":0,"Mounts":[],"Config":{"Hostname":"a826d37da18e","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["container=podman","PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","TERM=xterm","HOSTNAME=a826d37da18e"],"Cmd":["/bin/sleep","30"],"Image":"localhost/infrasight-busybox:test","Volumes":null,"WorkingDir":"/","Entrypoint":[],"OnBuild":null,"Labels":{"app":"demo","team":"infra"},"StopSignal":"15","StopTimeout":10},"NetworkSettings":{"Bridge":"","SandboxID":"","HairpinMode":false,"LinkLocalIPv6Address":"","LinkLocalIPv6PrefixLen":0,"Ports":{},"SandboxKey":"","SecondaryIPAddresses":null,"SecondaryIPv6Addresses":null,"EndpointID":"","Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","MacAddress":"","Networks":{}}}"#

    static let podmanContainerID = "a826d37da18e54a10b02cf47024a85b57ec9f4ce79f5ec9a4aa285bf1f31cef3"

    /// CRI-O `GET /containers/<id>` (its `ContainerInfo` JSON: name, pid, image, image_ref, created_time, labels,
    /// annotations, crio_annotations, log_path, root, sandbox, ip_addresses) for a Kubernetes container.
    /// Not recorded (no CRI-O here): written from CRI-O's published struct, with the CRI labels kubelet sets.
    static let crioInspect = #"""
    {"name":"k8s_nginx_web-0_shop_6f1c1c2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f_0","pid":4242,
     "image":"docker.io/library/nginx:1.27","image_ref":"docker.io/library/nginx@sha256:0d1e","created_time":1732740000000000000,
     "labels":{"io.kubernetes.container.name":"nginx","io.kubernetes.pod.name":"web-0","io.kubernetes.pod.namespace":"shop",
               "io.kubernetes.pod.uid":"6f1c1c2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f","app":"web"},
     "annotations":{"io.kubernetes.container.restartCount":"0"},"crio_annotations":{},"log_path":"/var/log/pods/x.log",
     "root":"/var/lib/containers/storage/overlay/1/merged","sandbox":"9f8e7d","ip_addresses":["10.88.0.5"]}
    """#

    /// containerd 1.6.20 (Debian 12), the HTTP/2 DATA of `containerd.services.containers.v1.Containers/Get`
    /// in namespace `k8s.io` (gRPC length prefix + `GetContainerResponse`, captured with curl
    /// `--http2-prior-knowledge` on a private containerd's socket; trailers `grpc-status: 0`), for a container
    /// created with `ctr -n k8s.io containers create --label io.kubernetes.pod.name=web-0
    /// --label io.kubernetes.pod.namespace=shop --label io.kubernetes.pod.uid=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
    /// --label io.kubernetes.container.name=nginx localhost/infrasight-ctrd-probe:latest <id>` (ctr adds the
    /// image's stop-signal label). Includes the fields the agent skips: runtime, the OCI spec (an Any),
    /// snapshotter, snapshot key, timestamps.
    static let containerdGetResponseBody: [UInt8] = Array(Data(base64Encoded: [
        "AAAADeEK3hsKQDAxNGEzYmVlMzZlNTQzNmU5YzhiYTA3ZDIxMGJkNzBjZjU0MzlkYjkwZjEzMTZkM2FjMjI3NmNkN2U2ZWMwYTQSPQoVaW8ua3",
        "ViZXJuZXRlcy5wb2QudWlkEiQwZjFlMmQzYy00YjVhLTY5NzgtODc5Ni1hNWI0YzNkMmUxZjASIwobaW8ua3ViZXJuZXRlcy5wb2QubmFtZXNw",
        "YWNlEgRzaG9wEh8KFmlvLmt1YmVybmV0ZXMucG9kLm5hbWUSBXdlYi0wEiUKHGlvLmt1YmVybmV0ZXMuY29udGFpbmVyLm5hbWUSBW5naW54Ej",
        "EKJmlvLmNvbnRhaW5lcmQuaW1hZ2UuY29uZmlnLnN0b3Atc2lnbmFsEgdTSUdURVJNGiZsb2NhbGhvc3QvaW5mcmFzaWdodC1jdHJkLXByb2Jl",
        "OmxhdGVzdCI1ChVpby5jb250YWluZXJkLnJ1bmMudjISHAoaY29udGFpbmVyZC5ydW5jLnYxLk9wdGlvbnMq8hcKNnR5cGVzLmNvbnRhaW5lcm",
        "QuaW8vb3BlbmNvbnRhaW5lcnMvcnVudGltZS1zcGVjLzEvU3BlYxK3F3sib2NpVmVyc2lvbiI6IjEuMC4yLWRldiIsInByb2Nlc3MiOnsidXNl",
        "ciI6eyJ1aWQiOjAsImdpZCI6MCwiYWRkaXRpb25hbEdpZHMiOlswXX0sImVudiI6WyJQQVRIPS91c3IvbG9jYWwvc2JpbjovdXNyL2xvY2FsL2",
        "JpbjovdXNyL3NiaW46L3Vzci9iaW46L3NiaW46L2JpbiJdLCJjd2QiOiIvIiwiY2FwYWJpbGl0aWVzIjp7ImJvdW5kaW5nIjpbIkNBUF9DSE9X",
        "TiIsIkNBUF9EQUNfT1ZFUlJJREUiLCJDQVBfRlNFVElEIiwiQ0FQX0ZPV05FUiIsIkNBUF9NS05PRCIsIkNBUF9ORVRfUkFXIiwiQ0FQX1NFVE",
        "dJRCIsIkNBUF9TRVRVSUQiLCJDQVBfU0VURkNBUCIsIkNBUF9TRVRQQ0FQIiwiQ0FQX05FVF9CSU5EX1NFUlZJQ0UiLCJDQVBfU1lTX0NIUk9P",
        "VCIsIkNBUF9LSUxMIiwiQ0FQX0FVRElUX1dSSVRFIl0sImVmZmVjdGl2ZSI6WyJDQVBfQ0hPV04iLCJDQVBfREFDX09WRVJSSURFIiwiQ0FQX0",
        "ZTRVRJRCIsIkNBUF9GT1dORVIiLCJDQVBfTUtOT0QiLCJDQVBfTkVUX1JBVyIsIkNBUF9TRVRHSUQiLCJDQVBfU0VUVUlEIiwiQ0FQX1NFVEZD",
        "QVAiLCJDQVBfU0VUUENBUCIsIkNBUF9ORVRfQklORF9TRVJWSUNFIiwiQ0FQX1NZU19DSFJPT1QiLCJDQVBfS0lMTCIsIkNBUF9BVURJVF9XUk",
        "lURSJdLCJwZXJtaXR0ZWQiOlsiQ0FQX0NIT1dOIiwiQ0FQX0RBQ19PVkVSUklERSIsIkNBUF9GU0VUSUQiLCJDQVBfRk9XTkVSIiwiQ0FQX01L",
        "Tk9EIiwiQ0FQX05FVF9SQVciLCJDQVBfU0VUR0lEIiwiQ0FQX1NFVFVJRCIsIkNBUF9TRVRGQ0FQIiwiQ0FQX1NFVFBDQVAiLCJDQVBfTkVUX0",
        "JJTkRfU0VSVklDRSIsIkNBUF9TWVNfQ0hST09UIiwiQ0FQX0tJTEwiLCJDQVBfQVVESVRfV1JJVEUiXX0sInJsaW1pdHMiOlt7InR5cGUiOiJS",
        "TElNSVRfTk9GSUxFIiwiaGFyZCI6MTAyNCwic29mdCI6MTAyNH1dLCJub05ld1ByaXZpbGVnZXMiOnRydWV9LCJyb290Ijp7InBhdGgiOiJyb2",
        "90ZnMifSwibW91bnRzIjpbeyJkZXN0aW5hdGlvbiI6Ii9wcm9jIiwidHlwZSI6InByb2MiLCJzb3VyY2UiOiJwcm9jIiwib3B0aW9ucyI6WyJu",
        "b3N1aWQiLCJub2V4ZWMiLCJub2RldiJdfSx7ImRlc3RpbmF0aW9uIjoiL2RldiIsInR5cGUiOiJ0bXBmcyIsInNvdXJjZSI6InRtcGZzIiwib3",
        "B0aW9ucyI6WyJub3N1aWQiLCJzdHJpY3RhdGltZSIsIm1vZGU9NzU1Iiwic2l6ZT02NTUzNmsiXX0seyJkZXN0aW5hdGlvbiI6Ii9kZXYvcHRz",
        "IiwidHlwZSI6ImRldnB0cyIsInNvdXJjZSI6ImRldnB0cyIsIm9wdGlvbnMiOlsibm9zdWlkIiwibm9leGVjIiwibmV3aW5zdGFuY2UiLCJwdG",
        "14bW9kZT0wNjY2IiwibW9kZT0wNjIwIiwiZ2lkPTUiXX0seyJkZXN0aW5hdGlvbiI6Ii9kZXYvc2htIiwidHlwZSI6InRtcGZzIiwic291cmNl",
        "Ijoic2htIiwib3B0aW9ucyI6WyJub3N1aWQiLCJub2V4ZWMiLCJub2RldiIsIm1vZGU9MTc3NyIsInNpemU9NjU1MzZrIl19LHsiZGVzdGluYX",
        "Rpb24iOiIvZGV2L21xdWV1ZSIsInR5cGUiOiJtcXVldWUiLCJzb3VyY2UiOiJtcXVldWUiLCJvcHRpb25zIjpbIm5vc3VpZCIsIm5vZXhlYyIs",
        "Im5vZGV2Il19LHsiZGVzdGluYXRpb24iOiIvc3lzIiwidHlwZSI6InN5c2ZzIiwic291cmNlIjoic3lzZnMiLCJvcHRpb25zIjpbIm5vc3VpZC",
        "IsIm5vZXhlYyIsIm5vZGV2Iiwicm8iXX0seyJkZXN0aW5hdGlvbiI6Ii9ydW4iLCJ0eXBlIjoidG1wZnMiLCJzb3VyY2UiOiJ0bXBmcyIsIm9w",
        "dGlvbnMiOlsibm9zdWlkIiwic3RyaWN0YXRpbWUiLCJtb2RlPTc1NSIsInNpemU9NjU1MzZrIl19XSwiYW5ub3RhdGlvbnMiOnsiaW8ua3ViZX",
        "JuZXRlcy5jb250YWluZXIubmFtZSI6Im5naW54IiwiaW8ua3ViZXJuZXRlcy5wb2QubmFtZSI6IndlYi0wIiwiaW8ua3ViZXJuZXRlcy5wb2Qu",
        "bmFtZXNwYWNlIjoic2hvcCIsImlvLmt1YmVybmV0ZXMucG9kLnVpZCI6IjBmMWUyZDNjLTRiNWEtNjk3OC04Nzk2LWE1YjRjM2QyZTFmMCJ9LC",
        "JsaW51eCI6eyJyZXNvdXJjZXMiOnsiZGV2aWNlcyI6W3siYWxsb3ciOmZhbHNlLCJhY2Nlc3MiOiJyd20ifSx7ImFsbG93Ijp0cnVlLCJ0eXBl",
        "IjoiYyIsIm1ham9yIjoxLCJtaW5vciI6MywiYWNjZXNzIjoicndtIn0seyJhbGxvdyI6dHJ1ZSwidHlwZSI6ImMiLCJtYWpvciI6MSwibWlub3",
        "IiOjgsImFjY2VzcyI6InJ3bSJ9LHsiYWxsb3ciOnRydWUsInR5cGUiOiJjIiwibWFqb3IiOjEsIm1pbm9yIjo3LCJhY2Nlc3MiOiJyd20ifSx7",
        "ImFsbG93Ijp0cnVlLCJ0eXBlIjoiYyIsIm1ham9yIjo1LCJtaW5vciI6MCwiYWNjZXNzIjoicndtIn0seyJhbGxvdyI6dHJ1ZSwidHlwZSI6Im",
        "MiLCJtYWpvciI6MSwibWlub3IiOjUsImFjY2VzcyI6InJ3bSJ9LHsiYWxsb3ciOnRydWUsInR5cGUiOiJjIiwibWFqb3IiOjEsIm1pbm9yIjo5",
        "LCJhY2Nlc3MiOiJyd20ifSx7ImFsbG93Ijp0cnVlLCJ0eXBlIjoiYyIsIm1ham9yIjo1LCJtaW5vciI6MSwiYWNjZXNzIjoicndtIn0seyJhbG",
        "xvdyI6dHJ1ZSwidHlwZSI6ImMiLCJtYWpvciI6MTM2LCJhY2Nlc3MiOiJyd20ifSx7ImFsbG93Ijp0cnVlLCJ0eXBlIjoiYyIsIm1ham9yIjo1",
        "LCJtaW5vciI6MiwiYWNjZXNzIjoicndtIn1dfSwiY2dyb3Vwc1BhdGgiOiIvazhzLmlvLzAxNGEzYmVlMzZlNTQzNmU5YzhiYTA3ZDIxMGJkNz",
        "BjZjU0MzlkYjkwZjEzMTZkM2FjMjI3NmNkN2U2ZWMwYTQiLCJuYW1lc3BhY2VzIjpbeyJ0eXBlIjoicGlkIn0seyJ0eXBlIjoiaXBjIn0seyJ0",
        "eXBlIjoidXRzIn0seyJ0eXBlIjoibW91bnQifSx7InR5cGUiOiJuZXR3b3JrIn1dLCJtYXNrZWRQYXRocyI6WyIvcHJvYy9hY3BpIiwiL3Byb2",
        "MvYXNvdW5kIiwiL3Byb2Mva2NvcmUiLCIvcHJvYy9rZXlzIiwiL3Byb2MvbGF0ZW5jeV9zdGF0cyIsIi9wcm9jL3RpbWVyX2xpc3QiLCIvcHJv",
        "Yy90aW1lcl9zdGF0cyIsIi9wcm9jL3NjaGVkX2RlYnVnIiwiL3N5cy9maXJtd2FyZSIsIi9wcm9jL3Njc2kiXSwicmVhZG9ubHlQYXRocyI6Wy",
        "IvcHJvYy9idXMiLCIvcHJvYy9mcyIsIi9wcm9jL2lycSIsIi9wcm9jL3N5cyIsIi9wcm9jL3N5c3JxLXRyaWdnZXIiXX19MglvdmVybGF5ZnM6",
        "QDAxNGEzYmVlMzZlNTQzNmU5YzhiYTA3ZDIxMGJkNzBjZjU0MzlkYjkwZjEzMTZkM2FjMjI3NmNkN2U2ZWMwYTRCDAj4jqjYBhCvjK+LA0oMCP",
        "iOqNgGEK+Mr4sD",
    ].joined())!)

    static let containerdContainerID = "014a3bee36e5436e9c8ba07d210bd70cf5439db90f1316d3ac2276cd7e6ec0a4"
}
