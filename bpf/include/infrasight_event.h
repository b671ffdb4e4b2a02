/* Placeholder: the event layout shared by the BPF programs and Swift. */
#pragma once
