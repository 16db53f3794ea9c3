#ifndef CFUZZER_DRIVER_H
#define CFUZZER_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry point for programs that have their own main (libclang_rt.fuzzer, LLVM >= 11).
/// SwiftPM links every executable with main defined as the module's own entry point, so libFuzzer's main
/// is never used: the fuzz targets call this from their Swift main instead.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
