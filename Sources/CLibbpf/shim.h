/* Thin shim: exposes libbpf's public API to Swift. No logic here. */
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
