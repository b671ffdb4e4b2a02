/* Thin shim: exposes nats.c's C API (NATS core and JetStream, Debian's libnats-dev) to Swift. No logic here. */
#include <nats/nats.h>
