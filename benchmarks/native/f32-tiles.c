/*
 * f32-tiles: the native F32 4x4 register tile of the engine (drafthorse_native.c, tiles_f32) on a batched decode
 * step's shape: 16 inputs of 768 values by a matrix of ROWS rows (default: the 110M model's 440 MB; a small argument
 * keeps it in L2 / L3 and repeats it to the same work), rows split in halves over the threads, blocks of 40 rows
 * (Tiles' 128 KiB), inputs outer within a block. Variants (GFLOP/s, best of 4):
 *   v0 no prefetch (before f74ae22)      v1 rows outer, inputs inner (4 rows stay in L1)
 *   v2 prefetch of the next block, every step of every pass   v3/v4 rows outer with a prefetch 4 / 8 rows ahead
 *   v5 one line of the next block per step, spread over the first four passes (f74ae22)
 *   v6 2 rows x 8 inputs tiles          v7 four lines (one per row) every 64 values, a quarter of each next row per
 *   pass, first four passes only (8c6f2a1)                v8 as v7 but all lines in the first pass
 *   v9 the engine's tiles_f32 on 64-row tasks, blocks of 4, 8, 16, 32, 40 rows, the next block streamed into L2
 *   during a block's first four passes (eleventh session)         v10 the same with blocks of 40 rows from the start
 * Build and run (it includes the engine's drafthorse_native.c, hence the JNI headers and its instruction sets):
 *                 gcc -O2 -march=x86-64-v4 -mavx512vnni -mf16c -I$JAVA_HOME/include -I$JAVA_HOME/include/linux \
 *                     -o /tmp/f32-tiles f32-tiles.c -lpthread
 *                 /tmp/f32-tiles 2              (from memory)
 *                 /tmp/f32-tiles 2 200000       (L2-resident: 200,000 weights, repeated)
 * A measurement aid for BENCHMARKS.md (tenth and eleventh sessions), not part of the product.
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define N 768
#define T 16
#define BLOCK 40
#ifndef HINT
#define HINT _MM_HINT_T1
#endif
static float *W; static float X[T * N] __attribute__((aligned(64))); static float *OUT; static long ROWS; static int variant;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

/* The engine's kernels themselves (f32_step, f32_tile, tiles_f32): the variants below use its 4x4 step. */
#include "../../inference-kernels/src/main/c/drafthorse_native.c"
#define step4x4 f32_step

static inline __attribute__((always_inline)) void zero16(__m512 acc[16]) {
#pragma GCC unroll 16
    for (int k = 0; k < 16; k++) acc[k] = _mm512_setzero_ps();
}
static inline __attribute__((always_inline)) void pf4(const float *p, int ws) {
    _mm_prefetch((const char *) p, HINT); _mm_prefetch((const char *) (p + ws), HINT);
    _mm_prefetch((const char *) (p + 2 * ws), HINT); _mm_prefetch((const char *) (p + 3 * ws), HINT);
}

/* The tiles: pf is the same 4 rows of the next block (or NULL); pass is which pass over the inputs this is. */
static inline __attribute__((always_inline)) void tile_plain(const float *w, int ws, const float *x, int xs, int len, __m512 acc[16], const float *pf, int pass) {
    (void) pf; (void) pass; zero16(acc);
    for (int i = 0; i < len; i += 16) step4x4(w, ws, x, xs, i, acc);
}
/* every step: the 4 rows' line at the same column (every pass) */
static inline __attribute__((always_inline)) void tile_every(const float *w, int ws, const float *x, int xs, int len, __m512 acc[16], const float *pf, int pass) {
    (void) pass; zero16(acc);
    for (int i = 0; i < len; i += 16) { if (pf) pf4(pf + i, ws); step4x4(w, ws, x, xs, i, acc); }
}
/* one line per step, row-fastest, a quarter of the rows per pass (f74ae22) */
static inline __attribute__((always_inline)) void tile_spread(const float *w, int ws, const float *x, int xs, int len, __m512 acc[16], const float *pf, int pass) {
    zero16(acc);
    int seg = pass * (len / 4);
    for (int i = 0, it = 0; i < len; i += 16, it++) {
        if (pf && pass < 4) _mm_prefetch((const char *) (pf + (it & 3) * ws + seg + (it >> 2) * 16), HINT);
        step4x4(w, ws, x, xs, i, acc);
    }
}
/* four lines (one per row) every 64 values, a quarter per pass, first four passes (8c6f2a1) */
static inline __attribute__((always_inline)) void tile_u4(const float *w, int ws, const float *x, int xs, int len, __m512 acc[16], const float *pf, int pass) {
    zero16(acc);
    const float *p = pass < 4 && pf ? pf + pass * (len / 64 * 16) : NULL;
    for (int i = 0; i < len; i += 64) {
        if (p) { pf4(p, ws); p += 16; }
        for (int u = 0; u < 64; u += 16) step4x4(w, ws, x, xs, i + u, acc);
    }
}
/* every line of the 4 next rows in the first pass */
static inline __attribute__((always_inline)) void tile_first(const float *w, int ws, const float *x, int xs, int len, __m512 acc[16], const float *pf, int pass) {
    zero16(acc);
    const float *p = pass == 0 && pf ? pf : 0;
    for (int i = 0; i < len; i += 16) { if (p) pf4(p + i, ws); step4x4(w, ws, x, xs, i, acc); }
}
/* 2 rows x 8 inputs, one line per step of the next block's 2 rows, half a row per pass */
static inline __attribute__((always_inline)) void tile28(const float *w, int ws, const float *x, int xs, int len, __m512 acc[16], const float *pf, int pass) {
    zero16(acc);
    int seg = pass * (len / 2);
    for (int i = 0, it = 0; i < len; i += 16, it++) {
        __m512 w0 = _mm512_loadu_ps(w + i), w1 = _mm512_loadu_ps(w + ws + i);
        if (pf) _mm_prefetch((const char *) (pf + (it & 1) * ws + seg + (it >> 1) * 16), HINT);
#pragma GCC unroll 8
        for (int j = 0; j < 8; j++) {
            __m512 xj = _mm512_loadu_ps(x + j * xs + i);
            acc[2 * j] = _mm512_fmadd_ps(w0, xj, acc[2 * j]);
            acc[2 * j + 1] = _mm512_fmadd_ps(w1, xj, acc[2 * j + 1]);
        }
    }
}

/* Blocks of BLOCK rows, each by every input (inputs outer): the engine's order. AHEAD: rows to the prefetched ones. */
#define BLOCKS(TILE, ROWS_PER, INPUTS_PER, AHEAD)                                                                    \
    for (long rc = r0; rc < r1; rc += BLOCK) {                                                                       \
        long re = rc + BLOCK < r1 ? rc + BLOCK : r1;                                                                 \
        int rows = (re - rc) & ~3;                                                                                   \
        for (int i = 0; i < T; i += INPUTS_PER)                                                                      \
            for (int r = 0; r < rows; r += ROWS_PER) {                                                               \
                __m512 acc[16];                                                                                      \
                TILE(W + (rc + r) * N, N, X + i * N, N, N, acc, (AHEAD) ? W + (rc + (AHEAD) + r) * N : 0, i / INPUTS_PER); \
                for (int k = 0; k < 16; k++) OUT[rc + r + k % ROWS_PER] += tree16(acc[k]);                            \
            }                                                                                                        \
    }
/* Rows outer, inputs inner (4 rows stay in L1); AHEAD rows prefetched in the first pass. */
#define ROWS_OUTER(TILE, AHEAD)                                                                                      \
    for (long r = r0; r + 4 <= r1; r += 4)                                                                           \
        for (int i = 0; i < T; i += 4) {                                                                             \
            __m512 acc[16];                                                                                          \
            TILE(W + r * N, N, X + i * N, N, N, acc, (AHEAD) && i == 0 ? W + (r + (AHEAD)) * N : 0, i / 4);           \
            for (int k = 0; k < 16; k++) OUT[r + k % 4] += tree16(acc[k]);                                           \
        }

static void v0(long r0, long r1) { BLOCKS(tile_plain, 4, 4, 0) }      /* before f74ae22 */
static void v1(long r0, long r1) { ROWS_OUTER(tile_plain, 0) }
static void v2(long r0, long r1) { BLOCKS(tile_every, 4, 4, BLOCK) }
static void v3(long r0, long r1) { ROWS_OUTER(tile_every, 4) }
static void v4(long r0, long r1) { ROWS_OUTER(tile_every, 8) }
static void v5(long r0, long r1) { BLOCKS(tile_spread, 4, 4, BLOCK) } /* f74ae22 */
static void v6(long r0, long r1) { BLOCKS(tile28, 2, 8, BLOCK) }
static void v7(long r0, long r1) { BLOCKS(tile_u4, 4, 4, BLOCK) }     /* 8c6f2a1, the engine's */
static void v8(long r0, long r1) { BLOCKS(tile_first, 4, 4, BLOCK) }
/* The engine's tiles_f32 called per task of 64 rows (the fused q/k/v product's tasks on 2 threads), its blocks
   starting at FIRST rows and doubling to BLOCK: v9 FIRST = 4 (the engine's), v10 FIRST = BLOCK (one block + the rest) */
static float *OUTT; /* (T, ROWS) */
#define TASKS(FIRST) for (long r = r0; r < r1; r += 64) tiles_f32(W + r * N, N, r + 64 <= r1 ? 64 : (int) (r1 - r) & ~3, FIRST, BLOCK, X, T, N, 0, OUTT + r, (int) ROWS);
static void v9(long r0, long r1) { TASKS(4) }
static void v10(long r0, long r1) { TASKS(BLOCK) }
/* v11 the engine's tiles_f32 over the thread's whole range in one call */
static void v11(long r0, long r1) { tiles_f32(W + r0 * N, N, (int) (r1 - r0) & ~3, 4, BLOCK, X, T, N, 0, OUTT + r0, (int) ROWS); }
static void (*const VARIANTS[])(long, long) = {v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11};
#define NVARIANTS ((int) (sizeof VARIANTS / sizeof VARIANTS[0]))

typedef struct { long r0, r1; } arg;
static int REPS = 1;
static void *run(void *p) { arg *a = p; for (int q = 0; q < REPS; q++) VARIANTS[variant](a->r0, a->r1); return 0; }

int main(int c, char **v) {
    if (c < 2) { fprintf(stderr, "usage: f32-tiles THREADS [WEIGHTS]\n"); return 2; }
    ROWS = (c > 2 ? atol(v[2]) : 110000000L) / N / BLOCK * BLOCK;
    W = aligned_alloc(64, (ROWS + 64) * N * 4);
    OUT = aligned_alloc(64, ROWS * 4);
    OUTT = aligned_alloc(64, ROWS * T * 4);
    for (long i = 0; i < (ROWS + 64) * N; i++) W[i] = (i % 7) * 0.1f;
    for (int i = 0; i < T * N; i++) X[i] = 1;
    int th = atoi(v[1]);
    if (th < 1 || th > 4) { fprintf(stderr, "threads must be in [1, 4]\n"); return 2; }
    if (c > 2) REPS = (int) (110000000L / ROWS / N);
    for (int rep = 0; rep < 2; rep++) {
        for (variant = 0; variant < NVARIANTS; variant++) {
            double best = 1e9;
            for (int it = 0; it < 4; it++) {
                pthread_t t[4]; arg a[4]; double s = now();
                for (int k = 0; k < th; k++) {
                    a[k].r0 = ROWS * k / th / BLOCK * BLOCK;
                    a[k].r1 = k == th - 1 ? ROWS : ROWS * (k + 1) / th / BLOCK * BLOCK;
                    pthread_create(&t[k], 0, run, &a[k]);
                }
                for (int k = 0; k < th; k++) pthread_join(t[k], 0);
                double e = now() - s;
                if (e < best) best = e;
            }
            printf("v%d threads=%d %.1f GFLOP/s\n", variant, th, 2.0 * ROWS * N * T * REPS / best / 1e9);
        }
    }
    return 0;
}
