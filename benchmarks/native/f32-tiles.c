/*
 * f32-tiles: the native F32 4x4 register tile of the engine (drafthorse_native.c, tiles_f32) on a batched decode
 * step's shape: 16 inputs of 768 values by a matrix of ROWS rows (default: the 110M model's 440 MB; a small argument
 * keeps it in L2 / L3 and repeats it to the same work), rows split in halves over the threads, blocks of 40 rows
 * (Tiles' 128 KiB), inputs outer within a block. Variants (GFLOP/s, best of 4):
 *   v0 no prefetch (before f74ae22)      v1 rows outer, inputs inner (4 rows stay in L1)
 *   v2 prefetch of the next block on every pass     v3/v4 rows outer with a prefetch 4 / 8 rows ahead
 *   v5 one line of the next block per step, spread over the first four passes (f74ae22)
 *   v6 2 rows x 8 inputs tiles          v7 four lines (one per row) every 64 values, a quarter of each next row per
 *   pass, first four passes only (8c6f2a1, the engine's)                v8 as v7 but all lines in the first pass
 * Build and run:  gcc -O2 -mavx512f -mfma -DHINT=_MM_HINT_T1 -o /tmp/f32-tiles f32-tiles.c -lpthread
 *                 /tmp/f32-tiles 2              (from memory)
 *                 /tmp/f32-tiles 2 200000       (L2-resident: 200,000 weights, repeated)
 * A measurement aid for BENCHMARKS.md (tenth session), not part of the product.
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define N 768
#define T 16
static float *W; static float X[T*N] __attribute__((aligned(64))); static float *OUT; static long ROWS; static int variant;
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static inline float tree16(__m512 a){return _mm512_reduce_add_ps(a);}
static inline __attribute__((always_inline)) void f32_tile(const float *w, int ws, const float *x, int xs, int len, __m512 acc[16]) {
#pragma GCC unroll 16
    for (int k = 0; k < 16; k++) acc[k] = _mm512_setzero_ps();
    for (int i = 0; i < len; i += 16) {
        __m512 w0 = _mm512_loadu_ps(w + i); __m512 w1 = _mm512_loadu_ps(w + ws + i);
        __m512 w2 = _mm512_loadu_ps(w + 2 * ws + i); __m512 w3 = _mm512_loadu_ps(w + 3 * ws + i);
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) {
            __m512 xj = _mm512_loadu_ps(x + j * xs + i);
            acc[4 * j] = _mm512_fmadd_ps(w0, xj, acc[4 * j]); acc[4 * j + 1] = _mm512_fmadd_ps(w1, xj, acc[4 * j + 1]);
            acc[4 * j + 2] = _mm512_fmadd_ps(w2, xj, acc[4 * j + 2]); acc[4 * j + 3] = _mm512_fmadd_ps(w3, xj, acc[4 * j + 3]);
        }
    }
}
static inline __attribute__((always_inline)) void f32_tile_pf(const float *w, int ws, const float *x, int xs, int len, __m512 acc[16], const char *pf) {
#pragma GCC unroll 16
    for (int k = 0; k < 16; k++) acc[k] = _mm512_setzero_ps();
    for (int i = 0; i < len; i += 16) {
        __m512 w0 = _mm512_loadu_ps(w + i); __m512 w1 = _mm512_loadu_ps(w + ws + i);
        __m512 w2 = _mm512_loadu_ps(w + 2 * ws + i); __m512 w3 = _mm512_loadu_ps(w + 3 * ws + i);
        if (pf) { _mm_prefetch(pf + i*4, _MM_HINT_T1); _mm_prefetch(pf + (ws+i)*4, _MM_HINT_T1); _mm_prefetch(pf + (2*ws+i)*4, _MM_HINT_T1); _mm_prefetch(pf + (3*ws+i)*4, _MM_HINT_T1);} 
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) {
            __m512 xj = _mm512_loadu_ps(x + j * xs + i);
            acc[4 * j] = _mm512_fmadd_ps(w0, xj, acc[4 * j]); acc[4 * j + 1] = _mm512_fmadd_ps(w1, xj, acc[4 * j + 1]);
            acc[4 * j + 2] = _mm512_fmadd_ps(w2, xj, acc[4 * j + 2]); acc[4 * j + 3] = _mm512_fmadd_ps(w3, xj, acc[4 * j + 3]);
        }
    }
}
static inline __attribute__((always_inline)) void f32_tile_pf2(const float *w, int ws, const float *x, int xs, int len, __m512 acc[16], const char *pf, int seg) {
#pragma GCC unroll 16
    for (int k = 0; k < 16; k++) acc[k] = _mm512_setzero_ps();
    int it=0;
    for (int i = 0; i < len; i += 16, it++) {
        __m512 w0 = _mm512_loadu_ps(w + i); __m512 w1 = _mm512_loadu_ps(w + ws + i);
        __m512 w2 = _mm512_loadu_ps(w + 2 * ws + i); __m512 w3 = _mm512_loadu_ps(w + 3 * ws + i);
        _mm_prefetch(pf + ((it&3)*ws + seg + (it>>2)*16)*4, HINT);
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) {
            __m512 xj = _mm512_loadu_ps(x + j * xs + i);
            acc[4 * j] = _mm512_fmadd_ps(w0, xj, acc[4 * j]); acc[4 * j + 1] = _mm512_fmadd_ps(w1, xj, acc[4 * j + 1]);
            acc[4 * j + 2] = _mm512_fmadd_ps(w2, xj, acc[4 * j + 2]); acc[4 * j + 3] = _mm512_fmadd_ps(w3, xj, acc[4 * j + 3]);
        }
    }
}
/* variant 5: current order, prefetch next block spread over the 4 passes */
static void v5(long r0, long r1){
  for(long rc=r0; rc<r1; rc+=40){ long re=rc+40<r1?rc+40:r1; int rows=(re-rc)&~3;
    for(int i=0;i<T;i+=4) for(int r=0;r<rows;r+=4){ __m512 acc[16]; f32_tile_pf2(W+(rc+r)*N,N,X+i*N,N,N,acc, (const char*)(W+(rc+40+r)*N), (i/4)*(N/4));
      for(int k=0;k<16;k++) OUT[(rc+r+k%4)]+=tree16(acc[k]); } }
}
static inline __attribute__((always_inline)) void tile28(const float *w, int ws, const float *x, int xs, int len, __m512 acc[16], const char *pf, int seg) {
#pragma GCC unroll 16
    for (int k = 0; k < 16; k++) acc[k] = _mm512_setzero_ps();
    int it=0;
    for (int i = 0; i < len; i += 16, it++) {
        __m512 w0 = _mm512_loadu_ps(w + i); __m512 w1 = _mm512_loadu_ps(w + ws + i);
        if (pf) _mm_prefetch(pf + ((it&1)*ws + seg + (it>>1)*16)*4, HINT);
#pragma GCC unroll 8
        for (int j = 0; j < 8; j++) {
            __m512 xj = _mm512_loadu_ps(x + j * xs + i);
            acc[2 * j] = _mm512_fmadd_ps(w0, xj, acc[2 * j]); acc[2 * j + 1] = _mm512_fmadd_ps(w1, xj, acc[2 * j + 1]);
        }
    }
}
/* variant 6: 2x8 tiles, 2 passes, prefetch next block's 2 rows */
static void v6(long r0, long r1){
  for(long rc=r0; rc<r1; rc+=40){ long re=rc+40<r1?rc+40:r1; int rows=(re-rc)&~3;
    for(int i=0;i<T;i+=8) for(int r=0;r<rows;r+=2){ __m512 acc[16]; tile28(W+(rc+r)*N,N,X+i*N,N,N,acc, (const char*)(W+(rc+40+r)*N), (i/8)*(N/2));
      for(int k=0;k<16;k++) OUT[(rc+r+k%2)]+=tree16(acc[k]); } }
}
static inline __attribute__((always_inline)) void tile_u4(const float *w, int ws, const float *x, int xs, int len, __m512 acc[16], const float *pf, int pass) {
#pragma GCC unroll 16
    for (int k = 0; k < 16; k++) acc[k] = _mm512_setzero_ps();
    const float *p = pass < 4 && pf ? pf + pass * (len / 4) : 0;
    int i = 0;
    for (; i < len; i += 64) {
        if (p) { _mm_prefetch((const char*)p, HINT); _mm_prefetch((const char*)(p + ws), HINT); _mm_prefetch((const char*)(p + 2*ws), HINT); _mm_prefetch((const char*)(p + 3*ws), HINT); p += 16; }
#pragma GCC unroll 4
      for (int u = 0; u < 64; u += 16) {
        __m512 w0 = _mm512_loadu_ps(w + i + u); __m512 w1 = _mm512_loadu_ps(w + ws + i + u);
        __m512 w2 = _mm512_loadu_ps(w + 2 * ws + i + u); __m512 w3 = _mm512_loadu_ps(w + 3 * ws + i + u);
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) {
            __m512 xj = _mm512_loadu_ps(x + j * xs + i + u);
            acc[4 * j] = _mm512_fmadd_ps(w0, xj, acc[4 * j]); acc[4 * j + 1] = _mm512_fmadd_ps(w1, xj, acc[4 * j + 1]);
            acc[4 * j + 2] = _mm512_fmadd_ps(w2, xj, acc[4 * j + 2]); acc[4 * j + 3] = _mm512_fmadd_ps(w3, xj, acc[4 * j + 3]);
        }
      }
    }
}
static inline __attribute__((always_inline)) void tile_all(const float *w, int ws, const float *x, int xs, int len, __m512 acc[16], const float *pf, int pass) {
#pragma GCC unroll 16
    for (int k = 0; k < 16; k++) acc[k] = _mm512_setzero_ps();
    const float *p = pass == 0 && pf ? pf : 0;
    int i = 0;
    for (; i < len; i += 64) {
#pragma GCC unroll 4
      for (int u = 0; u < 64; u += 16) {
        if (p) { _mm_prefetch((const char*)(p+i+u), HINT); _mm_prefetch((const char*)(p + ws+i+u), HINT); _mm_prefetch((const char*)(p + 2*ws+i+u), HINT); _mm_prefetch((const char*)(p + 3*ws+i+u), HINT); }
        __m512 w0 = _mm512_loadu_ps(w + i + u); __m512 w1 = _mm512_loadu_ps(w + ws + i + u);
        __m512 w2 = _mm512_loadu_ps(w + 2 * ws + i + u); __m512 w3 = _mm512_loadu_ps(w + 3 * ws + i + u);
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) {
            __m512 xj = _mm512_loadu_ps(x + j * xs + i + u);
            acc[4 * j] = _mm512_fmadd_ps(w0, xj, acc[4 * j]); acc[4 * j + 1] = _mm512_fmadd_ps(w1, xj, acc[4 * j + 1]);
            acc[4 * j + 2] = _mm512_fmadd_ps(w2, xj, acc[4 * j + 2]); acc[4 * j + 3] = _mm512_fmadd_ps(w3, xj, acc[4 * j + 3]);
        }
      }
    }
}
static void v8(long r0, long r1){
  for(long rc=r0; rc<r1; rc+=40){ long re=rc+40<r1?rc+40:r1; int rows=(re-rc)&~3;
    for(int i=0;i<T;i+=4) for(int r=0;r<rows;r+=4){ __m512 acc[16]; tile_all(W+(rc+r)*N,N,X+i*N,N,N,acc, W+(rc+40+r)*N, i/4);
      for(int k=0;k<16;k++) OUT[(rc+r+k%4)]+=tree16(acc[k]); } }
}
static void v7(long r0, long r1){
  for(long rc=r0; rc<r1; rc+=40){ long re=rc+40<r1?rc+40:r1; int rows=(re-rc)&~3;
    for(int i=0;i<T;i+=4) for(int r=0;r<rows;r+=4){ __m512 acc[16]; tile_u4(W+(rc+r)*N,N,X+i*N,N,N,acc, W+(rc+40+r)*N, i/4);
      for(int k=0;k<16;k++) OUT[(rc+r+k%4)]+=tree16(acc[k]); } }
}
/* variant 0: current: blocks of 40 rows; inputs outer, rows inner */
static void v0(long r0, long r1){
  for(long rc=r0; rc<r1; rc+=40){ long re=rc+40<r1?rc+40:r1; int rows=(re-rc)&~3;
    for(int i=0;i<T;i+=4) for(int r=0;r<rows;r+=4){ __m512 acc[16]; f32_tile(W+(rc+r)*N,N,X+i*N,N,N,acc);
      for(int k=0;k<16;k++) OUT[(rc+r+k%4)]+=tree16(acc[k]); } }
}
/* variant 1: rows outer, inputs inner (4 rows stay in L1) */
static void v1(long r0, long r1){
  for(long r=r0;r+4<=r1;r+=4) for(int i=0;i<T;i+=4){ __m512 acc[16]; f32_tile(W+r*N,N,X+i*N,N,N,acc);
      for(int k=0;k<16;k++) OUT[(r+k%4)]+=tree16(acc[k]); }
}
/* variant 2: current order + prefetch of next block during first input group */
static void v2(long r0, long r1){
  for(long rc=r0; rc<r1; rc+=40){ long re=rc+40<r1?rc+40:r1; int rows=(re-rc)&~3;
    for(int i=0;i<T;i+=4) for(int r=0;r<rows;r+=4){ __m512 acc[16]; f32_tile_pf(W+(rc+r)*N,N,X+i*N,N,N,acc, (const char*)(W+(rc+40+r)*N));
      for(int k=0;k<16;k++) OUT[(rc+r+k%4)]+=tree16(acc[k]); } }
}
/* variant 3: rows outer, prefetch next 4 rows */
static void v3(long r0, long r1){
  for(long r=r0;r+4<=r1;r+=4) for(int i=0;i<T;i+=4){ __m512 acc[16]; f32_tile_pf(W+r*N,N,X+i*N,N,N,acc, i==0?(const char*)(W+(r+4)*N):0);
      for(int k=0;k<16;k++) OUT[(r+k%4)]+=tree16(acc[k]); }
}
/* variant 4: rows outer, prefetch 8 rows ahead */
static void v4(long r0, long r1){
  for(long r=r0;r+4<=r1;r+=4) for(int i=0;i<T;i+=4){ __m512 acc[16]; f32_tile_pf(W+r*N,N,X+i*N,N,N,acc, i==0?(const char*)(W+(r+8)*N):0);
      for(int k=0;k<16;k++) OUT[(r+k%4)]+=tree16(acc[k]); }
}
typedef struct{long r0,r1;}arg;
static int REPS=1;
static void*run(void*p){arg*a=p; for(int q=0;q<REPS;q++) switch(variant){case 0:v0(a->r0,a->r1);break;case 1:v1(a->r0,a->r1);break;case 2:v2(a->r0,a->r1);break;case 3:v3(a->r0,a->r1);break;case 4:v4(a->r0,a->r1);break;case 5:v5(a->r0,a->r1);break;case 6:v6(a->r0,a->r1);break;case 7:v7(a->r0,a->r1);break;case 8:v8(a->r0,a->r1);break;} return 0;}
int main(int c,char**v){ROWS=(v[2]?atol(v[2]):110000000L)/N/40*40; W=aligned_alloc(64,(ROWS+64)*N*4); OUT=aligned_alloc(64,ROWS*4);
  for(long i=0;i<(ROWS+64)*N;i++)W[i]=(i%7)*0.1f; for(int i=0;i<T*N;i++)X[i]=1;
  int th=atoi(v[1]); if(v[2]) REPS=(int)(110000000L/ROWS/N);
  for(int rep=0;rep<2;rep++) for(variant=0;variant<9;variant++){
    double best=1e9; for(int it=0;it<4;it++){pthread_t t[4];arg a[4];double s=now();
      for(int k=0;k<th;k++){a[k].r0=ROWS*k/th/40*40;a[k].r1=(k==th-1)?ROWS:ROWS*(k+1)/th/40*40;pthread_create(&t[k],0,run,&a[k]);}
      for(int k=0;k<th;k++)pthread_join(t[k],0); double e=now()-s; if(e<best)best=e;}
    printf("v%d threads=%d %.1f GFLOP/s  %.0f tok/s-equiv\n",variant,th,2.0*ROWS*N*T*REPS/best/1e9, T*REPS/best);}
}
