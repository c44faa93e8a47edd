/*
 * Drafthorse's native integer kernels: Q8_0 and Q4_0 weights multiplied in 8-bit integers against
 * activations quantized to Q8_0, as ggml does on CPUs with AVX-512 VNNI (vpdpbusd: 64 multiply-adds of
 * unsigned by signed bytes into 16 int32 lanes per instruction). The JDK's Vector API (17 to 25) has no
 * such operation; see dev.drafthorse.kernels.tensor.NativeKernels, the Java side, and NativeMatrix, whose
 * scalar reference (dotScalar) is the same arithmetic in Java, bit for bit.
 *
 * Layout (NativeMatrix): rows in groups of G = 16, the last group padded with zero rows. Per group and
 * block of 32 values, the quants of the 16 rows interleaved by 4 values, so that one 64-byte load holds 4
 * consecutive values of each of the 16 rows (lane l = row l) and one broadcast of 4 activation quants
 * multiplies all of them:
 *   Q8_0: q (groups, blocks, 8 chunks, 16 rows, 4) signed quants; chunk c = values 4c..4c+3.
 *   Q4_0: q (groups, blocks, 4 chunks, 16 rows, 4) bytes; the low nibble of byte j of chunk c is value
 *         4c + j, the high nibble value 16 + 4c + j; nibbles unsigned (value = d * (nibble - 8)).
 *   d: (groups, blocks, 16) floats, each block's scale per row.
 * Activations: xq (T, cols) quants, xd (T, blocks) scales, xs (T, blocks) sums of each block's quants.
 *
 * The canonical arithmetic of one (row, input), on every path:
 *   isum_b = exact integer sum over block b of wq * xq   (Q4_0: wq = nibble - 8)
 *   acc    = fma((float) isum_b, d_row,b * xd_b, acc)    over blocks b in order, acc starting at +0
 * so a value never depends on the tile that computed it, the thread split or the batch.
 * vpdpbusd multiplies unsigned by signed bytes: Q4_0 feeds the raw nibble and starts the lane at
 * -8 * xs_b; Q8_0 feeds wq + 128 (wq XOR 0x80) and starts at -128 * xs_b. The integer sums are exact.
 *
 * CPUs with AVX2 but not AVX-512 VNNI (Zen 3, say) run the same arithmetic in 256-bit registers: 8 rows per
 * register, vpmaddubsw + vpmaddwd instead of vpdpbusd (Q8_0 by ggml's sign trick, |wq| times xq with wq's sign,
 * so the 16-bit pair sums cannot saturate). The integer sums are exact either way, so both give the same bits.
 *
 * Built by inference-kernels' pom with gcc (-O2 -ffp-contract=off: the only fused multiply-adds are the
 * explicit ones). Kernels carry their instruction set as a target attribute; probe() picks the widest this
 * CPU (and OS) runs, and the Java side uses none of them when it finds neither.
 */
#include <jni.h>
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define G 16
#define QK 32
#define AVX512 "avx512f,avx512bw,avx512vl,avx512vnni,f16c,fma"
#define AVX2 "avx2,f16c,fma"

enum { FMT_Q8_0 = 0, FMT_Q4_0 = 1 };

typedef struct {
    const int8_t *q;
    const float *d;
    int cols;
    int nb;
    const int8_t *xq;
    const float *xd;
    const int32_t *xs;
    float *out;
    int out_stride;
} job;

static inline int32_t load32(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/*
 * A tile of NG groups of 16 rows (from group grp) by NI inputs (from input i0), over all blocks. NG and NI
 * are constants at every call site: the loops unroll and the accumulators live in registers.
 */
static inline __attribute__((always_inline, target(AVX512))) void tile(
        const int fmt, const job *jb, int grp, const int NG, int i0, const int NI, int r0, int r1) {
    const int nb = jb->nb;
    const int cols = jb->cols;
    const int chunk_bytes = fmt == FMT_Q8_0 ? 8 * 64 : 4 * 64; /* a group's quants per block */
    const int offset = fmt == FMT_Q8_0 ? -128 : -8;
    __m512 facc[4][4];
    __m512i iacc[4][4];
    #pragma GCC unroll 8
    for (int g = 0; g < NG; g++) {
        #pragma GCC unroll 8
        for (int i = 0; i < NI; i++) {
            facc[g][i] = _mm512_setzero_ps();
        }
    }
    const __m512i flip = _mm512_set1_epi8((char) 0x80);
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    for (int b = 0; b < nb; b++) {
        #pragma GCC unroll 8
        for (int g = 0; g < NG; g++) {
            #pragma GCC unroll 8
            for (int i = 0; i < NI; i++) {
                iacc[g][i] = _mm512_set1_epi32(offset * jb->xs[(size_t) (i0 + i) * nb + b]);
            }
        }
        const int8_t *x[4];
        #pragma GCC unroll 8
        for (int i = 0; i < NI; i++) {
            x[i] = jb->xq + (size_t) (i0 + i) * cols + (size_t) b * QK;
        }
        if (fmt == FMT_Q8_0) {
            #pragma GCC unroll 8
            for (int c = 0; c < 8; c++) {
                #pragma GCC unroll 8
                for (int g = 0; g < NG; g++) {
                    const int8_t *qp = jb->q + ((size_t) (grp + g) * nb + b) * chunk_bytes + 64 * c;
                    __m512i w = _mm512_xor_si512(_mm512_loadu_si512((const void *) qp), flip);
                    #pragma GCC unroll 8
                    for (int i = 0; i < NI; i++) {
                        iacc[g][i] = _mm512_dpbusd_epi32(iacc[g][i], w, _mm512_set1_epi32(load32(x[i] + 4 * c)));
                    }
                }
            }
        } else {
            #pragma GCC unroll 8
            for (int c = 0; c < 4; c++) {
                #pragma GCC unroll 8
                for (int g = 0; g < NG; g++) {
                    const int8_t *qp = jb->q + ((size_t) (grp + g) * nb + b) * chunk_bytes + 64 * c;
                    __m512i v = _mm512_loadu_si512((const void *) qp);
                    __m512i lo = _mm512_and_si512(v, low4);
                    __m512i hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
                    #pragma GCC unroll 8
                    for (int i = 0; i < NI; i++) {
                        iacc[g][i] = _mm512_dpbusd_epi32(iacc[g][i], lo, _mm512_set1_epi32(load32(x[i] + 4 * c)));
                        iacc[g][i] =
                                _mm512_dpbusd_epi32(iacc[g][i], hi, _mm512_set1_epi32(load32(x[i] + 16 + 4 * c)));
                    }
                }
            }
        }
        #pragma GCC unroll 8
        for (int g = 0; g < NG; g++) {
            __m512 dw = _mm512_loadu_ps(jb->d + ((size_t) (grp + g) * nb + b) * G);
            #pragma GCC unroll 8
            for (int i = 0; i < NI; i++) {
                __m512 scale = _mm512_mul_ps(dw, _mm512_set1_ps(jb->xd[(size_t) (i0 + i) * nb + b]));
                facc[g][i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(iacc[g][i]), scale, facc[g][i]);
            }
        }
    }
    #pragma GCC unroll 8
    for (int g = 0; g < NG; g++) {
        int first = (grp + g) * G;
        /* rows of this group inside [r0, r1) */
        uint32_t keep = 0xffff;
        if (first < r0) {
            keep &= 0xffffu << (r0 - first);
        }
        if (first + G > r1) {
            keep &= 0xffffu >> (first + G - r1);
        }
        #pragma GCC unroll 8
        for (int i = 0; i < NI; i++) {
            float *o = jb->out + (size_t) (i0 + i) * jb->out_stride + first;
            _mm512_mask_storeu_ps(o - 0, (__mmask16) keep, facc[g][i]);
        }
    }
}

#define TILE_CASE(fmt, ng, ni) \
    case (ng) * 8 + (ni): \
        tile(fmt, jb, grp, ng, i0, ni, r0, r1); \
        break;

static __attribute__((target(AVX512))) void run_q8_0(const job *jb, int grp, int ng, int i0, int ni, int r0, int r1) {
    switch (ng * 8 + ni) {
        TILE_CASE(FMT_Q8_0, 1, 1)
        TILE_CASE(FMT_Q8_0, 1, 2)
        TILE_CASE(FMT_Q8_0, 1, 3)
        TILE_CASE(FMT_Q8_0, 1, 4)
        TILE_CASE(FMT_Q8_0, 2, 1)
        TILE_CASE(FMT_Q8_0, 2, 2)
        TILE_CASE(FMT_Q8_0, 2, 3)
        TILE_CASE(FMT_Q8_0, 2, 4)
        default:
            break;
    }
}

static __attribute__((target(AVX512))) void run_q4_0(const job *jb, int grp, int ng, int i0, int ni, int r0, int r1) {
    switch (ng * 8 + ni) {
        TILE_CASE(FMT_Q4_0, 1, 1)
        TILE_CASE(FMT_Q4_0, 1, 2)
        TILE_CASE(FMT_Q4_0, 1, 3)
        TILE_CASE(FMT_Q4_0, 1, 4)
        TILE_CASE(FMT_Q4_0, 2, 1)
        TILE_CASE(FMT_Q4_0, 2, 2)
        TILE_CASE(FMT_Q4_0, 2, 3)
        TILE_CASE(FMT_Q4_0, 2, 4)
        default:
            break;
    }
}


/*
 * AVX2: one group of 16 rows as two halves of 8 (lanes = rows), by NI (1 or 2) inputs; the arithmetic of tile().
 */
static inline __attribute__((always_inline, target(AVX2))) void tile_avx2(
        const int fmt, const job *jb, int grp, int i0, const int NI, int r0, int r1) {
    const int nb = jb->nb;
    const int cols = jb->cols;
    const int chunk_bytes = fmt == FMT_Q8_0 ? 8 * 64 : 4 * 64;
    const int offset = fmt == FMT_Q8_0 ? 0 : -8; /* Q8_0 multiplies signed quants by the sign trick */
    __m256 facc[2][2];
    __m256i iacc[2][2];
#pragma GCC unroll 8
    for (int h = 0; h < 2; h++) {
#pragma GCC unroll 8
        for (int i = 0; i < NI; i++) {
            facc[h][i] = _mm256_setzero_ps();
        }
    }
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    for (int b = 0; b < nb; b++) {
#pragma GCC unroll 8
        for (int h = 0; h < 2; h++) {
#pragma GCC unroll 8
            for (int i = 0; i < NI; i++) {
                iacc[h][i] = _mm256_set1_epi32(offset * jb->xs[(size_t) (i0 + i) * nb + b]);
            }
        }
        const int8_t *x[2];
#pragma GCC unroll 8
        for (int i = 0; i < NI; i++) {
            x[i] = jb->xq + (size_t) (i0 + i) * cols + (size_t) b * QK;
        }
        const int8_t *qb = jb->q + ((size_t) grp * nb + b) * chunk_bytes;
        if (fmt == FMT_Q8_0) {
#pragma GCC unroll 8
            for (int c = 0; c < 8; c++) {
#pragma GCC unroll 8
                for (int h = 0; h < 2; h++) {
                    __m256i w = _mm256_loadu_si256((const __m256i *) (qb + 64 * c + 32 * h));
                    __m256i aw = _mm256_sign_epi8(w, w);
#pragma GCC unroll 8
                    for (int i = 0; i < NI; i++) {
                        __m256i sx = _mm256_sign_epi8(_mm256_set1_epi32(load32(x[i] + 4 * c)), w);
                        __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(aw, sx), ones);
                        iacc[h][i] = _mm256_add_epi32(iacc[h][i], p);
                    }
                }
            }
        } else {
#pragma GCC unroll 8
            for (int c = 0; c < 4; c++) {
#pragma GCC unroll 8
                for (int h = 0; h < 2; h++) {
                    __m256i v = _mm256_loadu_si256((const __m256i *) (qb + 64 * c + 32 * h));
                    __m256i lo = _mm256_and_si256(v, low4);
                    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
#pragma GCC unroll 8
                    for (int i = 0; i < NI; i++) {
                        __m256i pl = _mm256_maddubs_epi16(lo, _mm256_set1_epi32(load32(x[i] + 4 * c)));
                        __m256i ph = _mm256_maddubs_epi16(hi, _mm256_set1_epi32(load32(x[i] + 16 + 4 * c)));
                        iacc[h][i] = _mm256_add_epi32(iacc[h][i], _mm256_madd_epi16(_mm256_add_epi16(pl, ph), ones));
                    }
                }
            }
        }
#pragma GCC unroll 8
        for (int h = 0; h < 2; h++) {
            __m256 dw = _mm256_loadu_ps(jb->d + ((size_t) grp * nb + b) * G + 8 * h);
#pragma GCC unroll 8
            for (int i = 0; i < NI; i++) {
                __m256 scale = _mm256_mul_ps(dw, _mm256_set1_ps(jb->xd[(size_t) (i0 + i) * nb + b]));
                facc[h][i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(iacc[h][i]), scale, facc[h][i]);
            }
        }
    }
#pragma GCC unroll 8
    for (int h = 0; h < 2; h++) {
        int first = grp * G + 8 * h;
        __m256i row = _mm256_add_epi32(_mm256_set1_epi32(first), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        __m256i keep = _mm256_and_si256(_mm256_cmpgt_epi32(row, _mm256_set1_epi32(r0 - 1)),
                _mm256_cmpgt_epi32(_mm256_set1_epi32(r1), row));
#pragma GCC unroll 8
        for (int i = 0; i < NI; i++) {
            _mm256_maskstore_ps(jb->out + (size_t) (i0 + i) * jb->out_stride + first, keep, facc[h][i]);
        }
    }
}

static __attribute__((target(AVX2))) void run_avx2(int fmt, const job *jb, int grp, int i0, int ni, int r0, int r1) {
    if (fmt == FMT_Q8_0) {
        if (ni == 2) {
            tile_avx2(FMT_Q8_0, jb, grp, i0, 2, r0, r1);
        } else {
            tile_avx2(FMT_Q8_0, jb, grp, i0, 1, r0, r1);
        }
    } else {
        if (ni == 2) {
            tile_avx2(FMT_Q4_0, jb, grp, i0, 2, r0, r1);
        } else {
            tile_avx2(FMT_Q4_0, jb, grp, i0, 1, r0, r1);
        }
    }
}

/* Rows [r0, r1) by inputs [0, t): row groups outer, in pairs (their weights stay in L1/L2), inputs by four inner. */
static int level; /* 2: AVX-512 VNNI, 1: AVX2, 0: neither (set by probe) */

static void multiply(int fmt, const job *jb, int r0, int r1, int t) {
    int g0 = r0 / G;
    int g1 = (r1 + G - 1) / G;
    if (level == 1) {
        for (int grp = g0; grp < g1; grp++) {
            for (int i0 = 0; i0 < t; i0 += 2) {
                run_avx2(fmt, jb, grp, i0, t - i0 < 2 ? t - i0 : 2, r0, r1);
            }
        }
        return;
    }
    /* decoding one group at a time: Q4_0 decode 490-497 -> 543-645 tok/s on the 110M shape (two groups: two streams) */
    int step = t == 1 ? 1 : 2;
    for (int grp = g0; grp < g1; grp += step) {
        int ng = g1 - grp < step ? g1 - grp : step;
        for (int i0 = 0; i0 < t; i0 += 4) {
            int ni = t - i0 < 4 ? t - i0 : 4;
            if (fmt == FMT_Q8_0) {
                run_q8_0(jb, grp, ng, i0, ni, r0, r1);
            } else {
                run_q4_0(jb, grp, ng, i0, ni, r0, r1);
            }
        }
    }
}

/* C's roundf on each lane: to nearest, halves away from zero (x - trunc(x) is exact). */
static inline __attribute__((always_inline, target(AVX512))) __m512 round_away(__m512 v) {
    __m512 t = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    __m512 frac = _mm512_sub_ps(v, t);
    __mmask16 up = _mm512_cmp_ps_mask(frac, _mm512_set1_ps(0.5f), _CMP_GE_OQ);
    __mmask16 down = _mm512_cmp_ps_mask(frac, _mm512_set1_ps(-0.5f), _CMP_LE_OQ);
    t = _mm512_mask_add_ps(t, up, t, _mm512_set1_ps(1.0f));
    t = _mm512_mask_sub_ps(t, down, t, _mm512_set1_ps(1.0f));
    return t;
}

/*
 * ggml's quantize_row_q8_0_ref per block of 32: d = amax / 127 (kept as the F32 value of its F16), q =
 * roundf(x * id) with id = 1 / d unrounded (0 for an all-zero block); plus each block's sum of quants.
 */
static __attribute__((target(AVX512))) void quantize_q8_0(
        const float *x, int t, int cols, int8_t *xq, float *xd, int32_t *xs) {
    int nb = cols / QK;
    for (int i = 0; i < t; i++) {
        for (int b = 0; b < nb; b++) {
            const float *p = x + (size_t) i * cols + (size_t) b * QK;
            __m512 v0 = _mm512_loadu_ps(p);
            __m512 v1 = _mm512_loadu_ps(p + 16);
            __m512 a = _mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1));
            float amax = _mm512_reduce_max_ps(a);
            float db = amax / 127.0f;
            float id = db != 0.0f ? 1.0f / db : 0.0f;
            xd[(size_t) i * nb + b] = _cvtsh_ss(_cvtss_sh(db, _MM_FROUND_TO_NEAREST_INT));
            __m512 idv = _mm512_set1_ps(id);
            __m512i q0 = _mm512_cvttps_epi32(round_away(_mm512_mul_ps(v0, idv)));
            __m512i q1 = _mm512_cvttps_epi32(round_away(_mm512_mul_ps(v1, idv)));
            int8_t *o = xq + (size_t) i * cols + (size_t) b * QK;
            _mm_storeu_si128((__m128i *) o, _mm512_cvtepi32_epi8(q0));
            _mm_storeu_si128((__m128i *) (o + 16), _mm512_cvtepi32_epi8(q1));
            xs[(size_t) i * nb + b] = _mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
        }
    }
}


static inline __attribute__((always_inline, target(AVX2))) __m256 round_away_avx2(__m256 v) {
    __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    __m256 frac = _mm256_sub_ps(v, t);
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 up = _mm256_and_ps(_mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ), one);
    __m256 down = _mm256_and_ps(_mm256_cmp_ps(frac, _mm256_set1_ps(-0.5f), _CMP_LE_OQ), one);
    return _mm256_sub_ps(_mm256_add_ps(t, up), down);
}

/* quantize_q8_0 in 256-bit registers: the same values. */
static __attribute__((target(AVX2))) void quantize_q8_0_avx2(
        const float *x, int t, int cols, int8_t *xq, float *xd, int32_t *xs) {
    int nb = cols / QK;
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (int i = 0; i < t; i++) {
        for (int b = 0; b < nb; b++) {
            const float *p = x + (size_t) i * cols + (size_t) b * QK;
            __m256 v[4];
            __m256 m = _mm256_setzero_ps();
            for (int k = 0; k < 4; k++) {
                v[k] = _mm256_loadu_ps(p + 8 * k);
                m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v[k]));
            }
            __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
            h = _mm_max_ps(h, _mm_movehl_ps(h, h));
            h = _mm_max_ss(h, _mm_movehdup_ps(h));
            float amax = _mm_cvtss_f32(h);
            float db = amax / 127.0f;
            float id = db != 0.0f ? 1.0f / db : 0.0f;
            xd[(size_t) i * nb + b] = _cvtsh_ss(_cvtss_sh(db, _MM_FROUND_TO_NEAREST_INT));
            __m256 idv = _mm256_set1_ps(id);
            __m256i q[4];
            __m256i sum = _mm256_setzero_si256();
            for (int k = 0; k < 4; k++) {
                q[k] = _mm256_cvttps_epi32(round_away_avx2(_mm256_mul_ps(v[k], idv)));
                sum = _mm256_add_epi32(sum, q[k]);
            }
            __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
            packed = _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
            _mm256_storeu_si256((__m256i *) (xq + (size_t) i * cols + (size_t) b * QK), packed);
            __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
            s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
            s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
            xs[(size_t) i * nb + b] = _mm_cvtsi128_si32(s4);
        }
    }
}

/* The widest kernels this CPU and OS run: 2 (AVX-512 VNNI), 1 (AVX2), 0 (neither: the Java side stays off). */
JNIEXPORT jint JNICALL Java_dev_drafthorse_kernels_tensor_NativeKernels_probe(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    __builtin_cpu_init();
    int base = __builtin_cpu_supports("f16c") && __builtin_cpu_supports("fma");
    if (base && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni")) {
        level = 2;
    } else if (base && __builtin_cpu_supports("avx2")) {
        level = 1;
    } else {
        level = 0;
    }
    return level;
}

/* Forces the AVX2 kernels on a CPU that runs the AVX-512 ones (tests: both give the same bits). */
JNIEXPORT jint JNICALL Java_dev_drafthorse_kernels_tensor_NativeKernels_useLevel(JNIEnv *env, jclass cls, jint l) {
    (void) env;
    (void) cls;
    int was = level;
    level = l;
    return was;
}

JNIEXPORT void JNICALL Java_dev_drafthorse_kernels_tensor_NativeKernels_quantizeQ8_10(JNIEnv *env, jclass cls,
        jfloatArray x, jint t, jint cols, jbyteArray xq, jfloatArray xd, jintArray xs) {
    (void) cls;
    float *px = (*env)->GetPrimitiveArrayCritical(env, x, NULL);
    int8_t *pq = (*env)->GetPrimitiveArrayCritical(env, xq, NULL);
    float *pd = (*env)->GetPrimitiveArrayCritical(env, xd, NULL);
    int32_t *ps = (*env)->GetPrimitiveArrayCritical(env, xs, NULL);
    if (px && pq && pd && ps) {
        if (level == 2) {
            quantize_q8_0(px, t, cols, pq, pd, ps);
        } else if (level == 1) {
            quantize_q8_0_avx2(px, t, cols, pq, pd, ps);
        }
    }
    if (ps) (*env)->ReleasePrimitiveArrayCritical(env, xs, ps, 0);
    if (pd) (*env)->ReleasePrimitiveArrayCritical(env, xd, pd, 0);
    if (pq) (*env)->ReleasePrimitiveArrayCritical(env, xq, pq, 0);
    if (px) (*env)->ReleasePrimitiveArrayCritical(env, x, px, JNI_ABORT);
}

static void multiply_jni(JNIEnv *env, int fmt, jbyteArray q, jfloatArray d, jint cols, jint r0, jint r1,
        jbyteArray xq, jfloatArray xd, jintArray xs, jint t, jfloatArray out, jint out_stride) {
    job jb;
    jb.cols = cols;
    jb.nb = cols / QK;
    jb.out_stride = out_stride;
    int8_t *pq = (*env)->GetPrimitiveArrayCritical(env, q, NULL);
    float *pd = (*env)->GetPrimitiveArrayCritical(env, d, NULL);
    int8_t *pxq = (*env)->GetPrimitiveArrayCritical(env, xq, NULL);
    float *pxd = (*env)->GetPrimitiveArrayCritical(env, xd, NULL);
    int32_t *pxs = (*env)->GetPrimitiveArrayCritical(env, xs, NULL);
    float *po = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
    if (level > 0 && pq && pd && pxq && pxd && pxs && po) {
        jb.q = pq;
        jb.d = pd;
        jb.xq = pxq;
        jb.xd = pxd;
        jb.xs = pxs;
        jb.out = po;
        multiply(fmt, &jb, r0, r1, t);
    }
    if (po) (*env)->ReleasePrimitiveArrayCritical(env, out, po, 0);
    if (pxs) (*env)->ReleasePrimitiveArrayCritical(env, xs, pxs, JNI_ABORT);
    if (pxd) (*env)->ReleasePrimitiveArrayCritical(env, xd, pxd, JNI_ABORT);
    if (pxq) (*env)->ReleasePrimitiveArrayCritical(env, xq, pxq, JNI_ABORT);
    if (pd) (*env)->ReleasePrimitiveArrayCritical(env, d, pd, JNI_ABORT);
    if (pq) (*env)->ReleasePrimitiveArrayCritical(env, q, pq, JNI_ABORT);
}

JNIEXPORT void JNICALL Java_dev_drafthorse_kernels_tensor_NativeKernels_multiplyQ8_10(JNIEnv *env, jclass cls,
        jbyteArray q, jfloatArray d, jint cols, jint r0, jint r1, jbyteArray xq, jfloatArray xd, jintArray xs,
        jint t, jfloatArray out, jint out_stride) {
    (void) cls;
    multiply_jni(env, FMT_Q8_0, q, d, cols, r0, r1, xq, xd, xs, t, out, out_stride);
}

JNIEXPORT void JNICALL Java_dev_drafthorse_kernels_tensor_NativeKernels_multiplyQ4_10(JNIEnv *env, jclass cls,
        jbyteArray q, jfloatArray d, jint cols, jint r0, jint r1, jbyteArray xq, jfloatArray xd, jintArray xs,
        jint t, jfloatArray out, jint out_stride) {
    (void) cls;
    multiply_jni(env, FMT_Q4_0, q, d, cols, r0, r1, xq, xd, xs, t, out, out_stride);
}

/*
 * F32 register tiles for the Java engine's prefill-shaped products (Tiles.multiply) on 16-lane vectors: per (row,
 * input) one 16-lane accumulator walked over the row's full vectors in order from zero (fma(w, x, acc)), reduced by
 * Lanes.sum's tree (lane i + lane i + h for h = 8, 4, 2, 1) — the F32 canonical order of WeightMatrix, so the
 * results are those of the Java kernels, bit for bit. F16/BF16 rows come widened de-interleaved (evens, then odds,
 * hn = n / 2 apart; the inputs likewise): the odd values' accumulator is added to the even one's before the tree.
 */
static inline __attribute__((always_inline, target(AVX512))) float tree16(__m512 a) {
    __m256 h = _mm256_add_ps(_mm512_castps512_ps256(a), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1)));
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    __m128 e = _mm_add_ps(q, _mm_movehl_ps(q, q));
    return _mm_cvtss_f32(_mm_add_ss(e, _mm_movehdup_ps(e)));
}

/*
 * tree16 of 16 vectors at once, the same additions (lane i + lane i + 8, then + 4, + 2, + 1) so the same bits, in 15
 * vector adds: out lane 4j + q is the sum of a[4q + j].
 */
static inline __attribute__((always_inline, target(AVX512))) __m512 tree16x16(const __m512 a[16]) {
    __m512 h[8], q[4], e[2];
#pragma GCC unroll 8
    for (int m = 0; m < 8; m++) { /* two vectors' lanes i + i + 8, side by side */
        h[m] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * m], a[2 * m + 1], 0x44),
                _mm512_shuffle_f32x4(a[2 * m], a[2 * m + 1], 0xEE));
    }
#pragma GCC unroll 4
    for (int p = 0; p < 4; p++) { /* + 4: four vectors' 4 lanes each */
        q[p] = _mm512_add_ps(_mm512_shuffle_f32x4(h[2 * p], h[2 * p + 1], 0x88),
                _mm512_shuffle_f32x4(h[2 * p], h[2 * p + 1], 0xDD));
    }
#pragma GCC unroll 2
    for (int u = 0; u < 2; u++) { /* + 2, within each 128-bit lane */
        e[u] = _mm512_add_ps(_mm512_shuffle_ps(q[2 * u], q[2 * u + 1], 0x44), _mm512_shuffle_ps(q[2 * u], q[2 * u + 1], 0xEE));
    }
    return _mm512_add_ps(_mm512_shuffle_ps(e[0], e[1], 0x88), _mm512_shuffle_ps(e[0], e[1], 0xDD)); /* + 1 */
}

/* One step of a tile: 16 values of 4 rows (w, ws apart) by 4 inputs (x, xs apart) from i, into acc[4j + r]. */
static inline __attribute__((always_inline, target(AVX512))) void f32_step(
        const float *w, int ws, const float *x, int xs, int i, __m512 acc[16]) {
    __m512 w0 = _mm512_loadu_ps(w + i);
    __m512 w1 = _mm512_loadu_ps(w + ws + i);
    __m512 w2 = _mm512_loadu_ps(w + 2 * ws + i);
    __m512 w3 = _mm512_loadu_ps(w + 3 * ws + i);
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) {
        __m512 xj = _mm512_loadu_ps(x + j * xs + i);
        acc[4 * j] = _mm512_fmadd_ps(w0, xj, acc[4 * j]);
        acc[4 * j + 1] = _mm512_fmadd_ps(w1, xj, acc[4 * j + 1]);
        acc[4 * j + 2] = _mm512_fmadd_ps(w2, xj, acc[4 * j + 2]);
        acc[4 * j + 3] = _mm512_fmadd_ps(w3, xj, acc[4 * j + 3]);
    }
}

/* One line of each of `prows` rows at pf (ws apart) asked to be brought into L2: a tile's prefetches every 64 values. */
static inline void prefetch_lines(const float *pf, int ws, int prows) {
    for (int q = 0; q < prows; q++) {
        _mm_prefetch((const char *) (pf + (size_t) q * ws), _MM_HINT_T1);
    }
}

/*
 * The tiles' block schedule (tiles_f32, tiles_f32_avx2): block [b0, b1) of a call's rows, the next block's row count
 * and how many of its rows each row of this one asks for (2 where the next block is twice as large).
 */
typedef struct {
    int b0, b1, next, per;
} tile_block;

static inline tile_block tile_block_at(int b0, int size, int block, int rows) {
    tile_block bl;
    bl.b0 = b0;
    bl.b1 = b0 + size < rows ? b0 + size : rows;
    bl.next = 2 * size < block ? 2 * size : block;
    if (bl.next > rows - bl.b1) {
        bl.next = rows - bl.b1;
    }
    bl.per = bl.next > bl.b1 - b0 ? 2 : 1;
    return bl;
}

/*
 * Where the tile of `tr` rows at row r of block bl asks for "its" rows of the next block during pass `pass` (the
 * pass's quarter of each row; the first four passes only), and how many rows (*prows; NULL and 0: none).
 */
static inline const float *tile_prefetch(const float *w, int n, tile_block bl, int r, int tr, int pass, int quarter,
        int *prows) {
    int pr = bl.per * (r - bl.b0);
    int want = tr * bl.per;
    *prows = pass < 4 && pr < bl.next ? (bl.next - pr < want ? bl.next - pr : want) : 0;
    return *prows > 0 ? w + (size_t) (bl.b1 + pr) * n + (size_t) pass * quarter : NULL;
}

/*
 * acc[4j + r] = rows r < 4 (w, ws apart) by inputs j < 4 (x, xs apart) over len values, from zero, in order. With pf,
 * every 64 values the tile also asks for one 64-byte line of each of `prows` rows at pf (ws apart), consecutive lines,
 * to be brought into L2.
 */
static inline __attribute__((always_inline, target(AVX512))) void f32_tile(
        const float *w, int ws, const float *x, int xs, int len, __m512 acc[16], const float *pf, int prows) {
#pragma GCC unroll 16
    for (int k = 0; k < 16; k++) {
        acc[k] = _mm512_setzero_ps();
    }
    int i = 0;
    for (; i + 64 <= len; i += 64) {
        if (pf != NULL) {
            prefetch_lines(pf, ws, prows);
            pf += 16;
        }
#pragma GCC unroll 4
        for (int u = 0; u < 64; u += 16) {
            f32_step(w, ws, x, xs, i + u, acc);
        }
    }
    for (; i < len; i += 16) {
        f32_step(w, ws, x, xs, i, acc);
    }
}

/*
 * out[i * ostride + r] for inputs i < t, rows r < rows (both multiples of 4): rows from w, n apart; inputs n apart.
 * Blocks of rows (multiples of 4, at most `block`: L2-sized), each multiplied by every input before the next one. The
 * next block's rows are brought into L2 during the block's first four passes over its inputs while the FMAs run, each
 * tile asking for a quarter of "its" rows of the next block per pass (one line per row every 64 values: rows side by
 * side, not one row after another, which measured slower): a batched decode step (16 inputs) reads every weight from
 * memory once, and without this each pass over a block began by waiting for it (BENCHMARKS.md, tenth session: a 440 MB
 * matrix by 16 inputs on 2 threads, 180-188 GFLOP/s without, 220-234 with; the prefetches cost 9% where the weights
 * are already in L2, so only the first four passes issue them). Only the first block of a call cannot be fetched
 * ahead, so the blocks start at `first` rows and double up to `block`: a call's range is a task of a few dozen rows
 * in the fused q/k/v and output products (eleventh session). A block twice its predecessor's size has each tile ask
 * for 8 rows.
 */
static __attribute__((target(AVX512))) void tiles_f32(const float *w, int n, int rows, int first, int block,
        const float *x, int t, int vec, int hn, float *out, int ostride) {
    float odd[16 * 16]; /* the odd values' accumulators of a tile, stored: 32 accumulators do not fit 32 registers */
    const int quarter = vec / 64 * 16; /* the values of a row each of the first four passes prefetches */
    for (int b0 = 0, size = first < block ? first : block; b0 < rows; b0 += size, size = 2 * size < block ? 2 * size : block) {
        tile_block bl = tile_block_at(b0, size, block, rows);
        for (int i = 0; i < t; i += 4) {
            for (int r = b0; r < bl.b1; r += 4) {
                const float *wr = w + (size_t) r * n;
                const float *xi = x + (size_t) i * n;
                int prows;
                const float *pf = tile_prefetch(w, n, bl, r, 4, i / 4, quarter, &prows);
                __m512 acc[16];
                if (hn > 0) {
                    f32_tile(wr + hn, n, xi + hn, n, vec, acc, NULL, 0);
#pragma GCC unroll 16
                    for (int k = 0; k < 16; k++) {
                        _mm512_storeu_ps(odd + 16 * k, acc[k]);
                    }
                }
                f32_tile(wr, n, xi, n, vec, acc, pf, prows);
                __m512 byRow[16]; /* byRow[4q + j]: row r + q by input i + j */
#pragma GCC unroll 16
                for (int k = 0; k < 16; k++) {
                    byRow[4 * (k % 4) + k / 4] = hn > 0 ? _mm512_add_ps(acc[k], _mm512_loadu_ps(odd + 16 * k)) : acc[k];
                }
                __m512 sums = tree16x16(byRow);
#pragma GCC unroll 4
                for (int j = 0; j < 4; j++) {
                    _mm_storeu_ps(out + (size_t) (i + j) * ostride + r, _mm512_extractf32x4_ps(sums, j));
                }
            }
        }
    }
}

/*
 * The same tiles on 8-lane vectors (AVX2, where the JVM's preferred species is 256 bits: Zen 3, say): 2 rows by 4
 * inputs (8 accumulators of AVX2's 16 registers), per (row, input) one 8-lane accumulator reduced by Lanes.sum's tree
 * on 8 lanes, so the Java kernels' bits; F16/BF16 rows widened de-interleaved as in tiles_f32 (the odd values'
 * accumulators stored, added before the tree); blocks and prefetches as tiles_f32 (each 2-row tile asks for its rows
 * of the next block).
 */
static inline __attribute__((always_inline, target(AVX2))) float tree8(__m256 a) {
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    __m128 e = _mm_add_ps(h, _mm_movehl_ps(h, h));
    return _mm_cvtss_f32(_mm_add_ss(e, _mm_movehdup_ps(e)));
}

static inline __attribute__((always_inline, target(AVX2))) void f32_step8(
        const float *w, int ws, const float *x, int xs, int i, __m256 acc[8]) {
    __m256 w0 = _mm256_loadu_ps(w + i);
    __m256 w1 = _mm256_loadu_ps(w + ws + i);
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) {
        __m256 xj = _mm256_loadu_ps(x + j * xs + i);
        acc[2 * j] = _mm256_fmadd_ps(w0, xj, acc[2 * j]);
        acc[2 * j + 1] = _mm256_fmadd_ps(w1, xj, acc[2 * j + 1]);
    }
}

static inline __attribute__((always_inline, target(AVX2))) void f32_tile8(
        const float *w, int ws, const float *x, int xs, int len, __m256 acc[8], const float *pf, int prows) {
#pragma GCC unroll 8
    for (int k = 0; k < 8; k++) {
        acc[k] = _mm256_setzero_ps();
    }
    int i = 0;
    for (; i + 64 <= len; i += 64) {
        if (pf != NULL) {
            prefetch_lines(pf, ws, prows);
            pf += 16;
        }
#pragma GCC unroll 8
        for (int u = 0; u < 64; u += 8) {
            f32_step8(w, ws, x, xs, i + u, acc);
        }
    }
    for (; i < len; i += 8) {
        f32_step8(w, ws, x, xs, i, acc);
    }
}

static __attribute__((target(AVX2))) void tiles_f32_avx2(const float *w, int n, int rows, int first, int block,
        const float *x, int t, int vec, int hn, float *out, int ostride) {
    float odd[8 * 8]; /* the odd values' accumulators of a tile */
    const int quarter = vec / 64 * 16;
    for (int b0 = 0, size = first < block ? first : block; b0 < rows; b0 += size, size = 2 * size < block ? 2 * size : block) {
        tile_block bl = tile_block_at(b0, size, block, rows);
        for (int i = 0; i < t; i += 4) {
            for (int r = b0; r < bl.b1; r += 2) {
                const float *wr = w + (size_t) r * n;
                const float *xi = x + (size_t) i * n;
                int prows;
                const float *pf = tile_prefetch(w, n, bl, r, 2, i / 4, quarter, &prows);
                __m256 acc[8];
                if (hn > 0) {
                    f32_tile8(wr + hn, n, xi + hn, n, vec, acc, NULL, 0);
#pragma GCC unroll 8
                    for (int k = 0; k < 8; k++) {
                        _mm256_storeu_ps(odd + 8 * k, acc[k]);
                    }
                }
                f32_tile8(wr, n, xi, n, vec, acc, pf, prows);
#pragma GCC unroll 8
                for (int k = 0; k < 8; k++) {
                    __m256 a = hn > 0 ? _mm256_add_ps(acc[k], _mm256_loadu_ps(odd + 8 * k)) : acc[k];
                    out[(size_t) (i + k / 2) * ostride + r + k % 2] = tree8(a);
                }
            }
        }
    }
}

JNIEXPORT void JNICALL Java_dev_drafthorse_kernels_tensor_NativeKernels_tilesF32(JNIEnv *env, jclass cls,
        jfloatArray w, jint base, jint n, jint rows, jint first, jint block, jfloatArray x, jint t, jint vec, jint hn,
        jfloatArray out, jint outOff, jint outStride, jint lanes) {
    (void) cls;
    float *pw = (*env)->GetPrimitiveArrayCritical(env, w, NULL);
    float *px = (*env)->GetPrimitiveArrayCritical(env, x, NULL);
    float *ps = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
    if (lanes == 16 && level == 2 && pw && px && ps) {
        tiles_f32(pw + base, n, rows, first, block, px, t, vec, hn, ps + outOff, outStride);
    } else if (lanes == 8 && level >= 1 && pw && px && ps) {
        tiles_f32_avx2(pw + base, n, rows, first, block, px, t, vec, hn, ps + outOff, outStride);
    }
    if (ps) (*env)->ReleasePrimitiveArrayCritical(env, out, ps, 0);
    if (px) (*env)->ReleasePrimitiveArrayCritical(env, x, px, JNI_ABORT);
    if (pw) (*env)->ReleasePrimitiveArrayCritical(env, w, pw, JNI_ABORT);
}

/*
 * F16 decode-shaped products (a few inputs) over HalfMatrix's layout on 16-lane vectors: rows in groups of 4, per
 * chunk of 32 halves (16 ints, element 2k in the low half) the 4 rows' 16 ints side by side. vcvtph2ps widens the
 * even and the odd halves of a chunk (the Vector API has no such instruction: the Java kernels use shifts, a mask and
 * a multiply), times unscale = 2^-shift (HalfMatrix's normalizing shift; exact), so the weights are the Java
 * kernels' values; per (row, input) an even and an odd accumulator over the chunks in order, added, reduced by
 * Lanes.sum's tree: HalfKernels.rows4F16's order, bit for bit. Rows whose length is a multiple of 32 only (no tail).
 */
static inline __attribute__((always_inline, target(AVX512))) void f16_widen(__m512i v, __m512 unscale, __m512 *even,
        __m512 *odd) {
    *even = _mm512_mul_ps(_mm512_cvtph_ps(_mm512_cvtepi32_epi16(v)), unscale);
    *odd = _mm512_mul_ps(_mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(v, 16))), unscale);
}

/* One group of 4 rows (ints from w) by NI (1 or 2) inputs (de-interleaved, n apart in xd). */
static inline __attribute__((always_inline, target(AVX512))) void f16_group(
        const int32_t *w, float unscale_f, const float *xd, int n, const int NI, float *out, int out_stride) {
    const __m512 unscale = _mm512_set1_ps(unscale_f);
    const int half = n / 2;
    __m512 e[2][4];
    __m512 o[2][4];
#pragma GCC unroll 4
    for (int i = 0; i < NI; i++) {
#pragma GCC unroll 4
        for (int q = 0; q < 4; q++) {
            e[i][q] = _mm512_setzero_ps();
            o[i][q] = _mm512_setzero_ps();
        }
    }
    for (int k = 0; k < half; k += 16) {
        const int32_t *c = w + 4 * k; /* the chunk: 4 rows x 16 ints */
        __m512 xe[2];
        __m512 xo[2];
#pragma GCC unroll 4
        for (int i = 0; i < NI; i++) {
            xe[i] = _mm512_loadu_ps(xd + (size_t) i * n + k);
            xo[i] = _mm512_loadu_ps(xd + (size_t) i * n + half + k);
        }
#pragma GCC unroll 4
        for (int q = 0; q < 4; q++) {
            __m512 we;
            __m512 wo;
            f16_widen(_mm512_loadu_si512((const void *) (c + 16 * q)), unscale, &we, &wo);
#pragma GCC unroll 4
            for (int i = 0; i < NI; i++) {
                e[i][q] = _mm512_fmadd_ps(we, xe[i], e[i][q]);
                o[i][q] = _mm512_fmadd_ps(wo, xo[i], o[i][q]);
            }
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < NI; i++) {
#pragma GCC unroll 4
        for (int q = 0; q < 4; q++) {
            out[(size_t) i * out_stride + q] = tree16(_mm512_add_ps(e[i][q], o[i][q]));
        }
    }
}

/* groups of 4 rows from w (group_ints apart) by t inputs: out[i * out_stride + 4 g + q]. */
static __attribute__((target(AVX512))) void rows_f16(const int32_t *w, int group_ints, int groups, float unscale,
        const float *xd, int t, int n, float *out, int out_stride) {
    for (int g = 0; g < groups; g++) {
        const int32_t *wg = w + (size_t) g * group_ints;
        int i = 0;
        for (; i + 2 <= t; i += 2) {
            f16_group(wg, unscale, xd + (size_t) i * n, n, 2, out + (size_t) i * out_stride + 4 * g, out_stride);
        }
        if (i < t) {
            f16_group(wg, unscale, xd + (size_t) i * n, n, 1, out + (size_t) i * out_stride + 4 * g, out_stride);
        }
    }
}

JNIEXPORT void JNICALL Java_dev_drafthorse_kernels_tensor_NativeKernels_rowsF16(JNIEnv *env, jclass cls, jintArray w,
        jint w_off, jint group_ints, jint groups, jfloat unscale, jfloatArray xd, jint t, jint n, jfloatArray out,
        jint out_off, jint out_stride) {
    (void) cls;
    int32_t *pw = (*env)->GetPrimitiveArrayCritical(env, w, NULL);
    float *px = (*env)->GetPrimitiveArrayCritical(env, xd, NULL);
    float *po = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
    if (level == 2 && pw && px && po) {
        rows_f16(pw + w_off, group_ints, groups, unscale, px, t, n, po + out_off, out_stride);
    }
    if (po) (*env)->ReleasePrimitiveArrayCritical(env, out, po, 0);
    if (px) (*env)->ReleasePrimitiveArrayCritical(env, xd, px, JNI_ABORT);
    if (pw) (*env)->ReleasePrimitiveArrayCritical(env, w, pw, JNI_ABORT);
}

/*
 * F32 decode-shaped products (a few inputs) on 16-lane vectors, in the F32 canonical order of WeightMatrix (per (row,
 * input) one accumulator over the full vectors in order from zero, Lanes.sum's tree, then the scalar tail in element
 * order, a multiply then an add): F32Kernels.rows8's bits. Decoding streams the weights once per token; this loop
 * streams them faster than the Vector API's (BENCHMARKS.md, tenth session; software prefetch of the next group of
 * rows was tried and gained nothing).
 */
static inline __attribute__((always_inline, target(AVX512))) void f32_rows8(
        const float *w, int n, int vec, const float *x, float *out) {
    __m512 acc[8];
#pragma GCC unroll 8
    for (int k = 0; k < 8; k++) {
        acc[k] = _mm512_setzero_ps();
    }
    for (int i = 0; i < vec; i += 16) {
        __m512 xv = _mm512_loadu_ps(x + i);
#pragma GCC unroll 8
        for (int k = 0; k < 8; k++) {
            acc[k] = _mm512_fmadd_ps(_mm512_loadu_ps(w + (size_t) k * n + i), xv, acc[k]);
        }
    }
#pragma GCC unroll 8
    for (int k = 0; k < 8; k++) {
        float s = tree16(acc[k]);
        for (int i = vec; i < n; i++) {
            s += w[(size_t) k * n + i] * x[i];
        }
        out[k] = s;
    }
}

/* groups of 8 rows from w (n apart) by t inputs (n apart in x): out[i * out_stride + 8 g + k]. */
static __attribute__((target(AVX512))) void rows_f32(
        const float *w, int n, int groups, const float *x, int t, float *out, int out_stride) {
    int vec = n & ~15;
    for (int g = 0; g < groups; g++) {
        const float *wg = w + (size_t) 8 * g * n;
        for (int i = 0; i < t; i++) {
            f32_rows8(wg, n, vec, x + (size_t) i * n, out + (size_t) i * out_stride + 8 * g);
        }
    }
}

JNIEXPORT void JNICALL Java_dev_drafthorse_kernels_tensor_NativeKernels_rowsF32(JNIEnv *env, jclass cls, jfloatArray w,
        jint w_off, jint n, jint groups, jfloatArray x, jint t, jfloatArray out, jint out_off, jint out_stride) {
    (void) cls;
    float *pw = (*env)->GetPrimitiveArrayCritical(env, w, NULL);
    float *px = (*env)->GetPrimitiveArrayCritical(env, x, NULL);
    float *po = (*env)->GetPrimitiveArrayCritical(env, out, NULL);
    if (level == 2 && pw && px && po) {
        rows_f32(pw + w_off, n, groups, px, t, po + out_off, out_stride);
    }
    if (po) (*env)->ReleasePrimitiveArrayCritical(env, out, po, 0);
    if (px) (*env)->ReleasePrimitiveArrayCritical(env, x, px, JNI_ABORT);
    if (pw) (*env)->ReleasePrimitiveArrayCritical(env, w, pw, JNI_ABORT);
}
