/* The baseline for scripts/bench-cluster-routing.sh: a byte-at-a-time table CRC16 (XMODEM), as Redis's
 * crc16.c, over NUL-terminated keys; returns the sum of the slots so the work cannot be optimised away. */
#include <stdint.h>
#include <string.h>

static uint16_t table[256];

static void fill(void) {
    for (int value = 0; value < 256; value++) {
        uint16_t crc = (uint16_t)(value << 8);
        for (int bit = 0; bit < 8; bit++) crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
        table[value] = crc;
    }
}

long c_crc16_sum(const char *const *keys, int count, int iterations) {
    if (table[1] == 0) fill();
    long sum = 0;
    for (int i = 0; i < iterations; i++) {
        const unsigned char *key = (const unsigned char *)keys[i & (count - 1)];
        size_t length = strlen((const char *)key);
        uint16_t crc = 0;
        for (size_t n = 0; n < length; n++) crc = (uint16_t)((crc << 8) ^ table[((crc >> 8) ^ key[n]) & 0xff]);
        sum += crc & 0x3fff;
    }
    return sum;
}
