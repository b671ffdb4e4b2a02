/* Thin shim: exposes librdkafka's C API to Swift. No logic here. */
#include <librdkafka/rdkafka.h>
