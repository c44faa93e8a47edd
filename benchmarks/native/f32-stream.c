/*
 * f32-stream: how fast decode-shaped F32 products can stream a 440 MB matrix (the 110M model's weights) on this
 * machine, 768-value rows, one input, split in halves over the threads (pthreads), best of 5 per variant:
 *   rows8 / rows4   8 or 4 rows side by side, one 16-lane accumulator each (the engine's F32 order); pf=1 adds a
 *                   software prefetch of the same line 8 rows further
 *   rows1           one row at a time, 4 accumulators (not the engine's order: the memory side only)
 *   rows1s / rows2s one row (two rows) at a time, one accumulator each
 *   readonly        a plain sum over the memory: the read bandwidth
 * Build and run (x86-64 with AVX-512):  gcc -O3 -mavx512f -mfma -o /tmp/f32-stream f32-stream.c -lpthread
 *                                       /tmp/f32-stream 2     (threads)
 * A measurement aid for BENCHMARKS.md (tenth session), not part of the product.
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#define N 768
static float *W; static float X[N]; static float *OUT; static long ROWS;
static int variant; static int pf;
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static inline float hsum(__m512 a){return _mm512_reduce_add_ps(a);}
__attribute__((target("avx512f"))) static void rows8(long r0,long r1){
  for(long r=r0;r<r1;r+=8){const float*w=W+r*N; __m512 a[8];for(int k=0;k<8;k++)a[k]=_mm512_setzero_ps();
    for(int i=0;i<N;i+=16){__m512 x=_mm512_loadu_ps(X+i);
      if(pf){for(int k=0;k<8;k++)_mm_prefetch((const char*)(w+k*N+i+8*N*1),_MM_HINT_T0);} 
      for(int k=0;k<8;k++)a[k]=_mm512_fmadd_ps(_mm512_loadu_ps(w+k*N+i),x,a[k]);}
    for(int k=0;k<8;k++)OUT[r+k]=hsum(a[k]);}
}
__attribute__((target("avx512f"))) static void rows4(long r0,long r1){
  for(long r=r0;r<r1;r+=4){const float*w=W+r*N; __m512 a[4];for(int k=0;k<4;k++)a[k]=_mm512_setzero_ps();
    for(int i=0;i<N;i+=16){__m512 x=_mm512_loadu_ps(X+i);
      for(int k=0;k<4;k++)a[k]=_mm512_fmadd_ps(_mm512_loadu_ps(w+k*N+i),x,a[k]);}
    for(int k=0;k<4;k++)OUT[r+k]=hsum(a[k]);}
}
__attribute__((target("avx512f"))) static void rows1(long r0,long r1){
  for(long r=r0;r<r1;r++){const float*w=W+r*N; __m512 a0=_mm512_setzero_ps(),a1=a0,a2=a0,a3=a0;
    for(int i=0;i<N;i+=64){a0=_mm512_fmadd_ps(_mm512_loadu_ps(w+i),_mm512_loadu_ps(X+i),a0);a1=_mm512_fmadd_ps(_mm512_loadu_ps(w+i+16),_mm512_loadu_ps(X+i+16),a1);a2=_mm512_fmadd_ps(_mm512_loadu_ps(w+i+32),_mm512_loadu_ps(X+i+32),a2);a3=_mm512_fmadd_ps(_mm512_loadu_ps(w+i+48),_mm512_loadu_ps(X+i+48),a3);}
    OUT[r]=hsum(_mm512_add_ps(_mm512_add_ps(a0,a1),_mm512_add_ps(a2,a3)));}
}
__attribute__((target("avx512f"))) static void readonly(long r0,long r1){
  __m512 a=_mm512_setzero_ps(),b=a,c=a,d=a; const float*w=W+r0*N; long n=(r1-r0)*N;
  for(long i=0;i<n;i+=64){a=_mm512_add_ps(a,_mm512_loadu_ps(w+i));b=_mm512_add_ps(b,_mm512_loadu_ps(w+i+16));c=_mm512_add_ps(c,_mm512_loadu_ps(w+i+32));d=_mm512_add_ps(d,_mm512_loadu_ps(w+i+48));}
  OUT[r0]=hsum(a)+hsum(b)+hsum(c)+hsum(d);
}
__attribute__((target("avx512f"))) static void rows1s(long r0,long r1){
  for(long r=r0;r<r1;r++){const float*w=W+r*N; __m512 a0=_mm512_setzero_ps();
    for(int i=0;i<N;i+=16){a0=_mm512_fmadd_ps(_mm512_loadu_ps(w+i),_mm512_loadu_ps(X+i),a0);}
    OUT[r]=hsum(a0);}
}
__attribute__((target("avx512f"))) static void rows2s(long r0,long r1){
  for(long r=r0;r<r1;r+=2){const float*w=W+r*N; __m512 a0=_mm512_setzero_ps(),a1=a0;
    for(int i=0;i<N;i+=16){__m512 x=_mm512_loadu_ps(X+i);a0=_mm512_fmadd_ps(_mm512_loadu_ps(w+i),x,a0);a1=_mm512_fmadd_ps(_mm512_loadu_ps(w+N+i),x,a1);}
    OUT[r]=hsum(a0);OUT[r+1]=hsum(a1);}
}
__attribute__((target("avx512f"))) static void rows8p(long r0,long r1){
  for(long r=r0;r<r1;r+=8){const float*w=W+r*N; __m512 a[8];for(int k=0;k<8;k++)a[k]=_mm512_setzero_ps();
    const char*p=(const char*)(w+8*N); 
    for(int i=0;i<N;i+=16){__m512 x=_mm512_loadu_ps(X+i);
      for(int k=0;k<8;k++)_mm_prefetch(p+(i/16*8+k)*64,_MM_HINT_T0);
      for(int k=0;k<8;k++)a[k]=_mm512_fmadd_ps(_mm512_loadu_ps(w+k*N+i),x,a[k]);}
    for(int k=0;k<8;k++)OUT[r+k]=hsum(a[k]);}
}
typedef struct{long r0,r1;}arg;
static void*run(void*p){arg*a=p; switch(variant){case 0:rows8(a->r0,a->r1);break;case 1:rows4(a->r0,a->r1);break;case 2:rows1(a->r0,a->r1);break;case 3:readonly(a->r0,a->r1);break;case 4:rows1s(a->r0,a->r1);break;case 5:rows2s(a->r0,a->r1);break;case 6:rows8p(a->r0,a->r1);break;} return 0;}
int main(int c,char**v){ROWS=110000000L/N/8*8; W=aligned_alloc(64,ROWS*N*4); OUT=aligned_alloc(64,ROWS*4);
  for(long i=0;i<ROWS*N;i++)W[i]=(i%7)*0.1f; for(int i=0;i<N;i++)X[i]=1;
  int th=atoi(v[1]);
  const char*names[]={"rows8","rows4","rows1","readonly","rows1s","rows2s","rows8seqpf"};
  for(int rep=0;rep<3;rep++) for(variant=0;variant<7;variant++) for(pf=0;pf<(variant==0?2:1);pf++){
    double best=1e9; for(int it=0;it<5;it++){pthread_t t[4];arg a[4];double s=now();
      for(int k=0;k<th;k++){a[k].r0=ROWS*k/th/8*8;a[k].r1=(k==th-1)?ROWS:ROWS*(k+1)/th/8*8;pthread_create(&t[k],0,run,&a[k]);}
      for(int k=0;k<th;k++)pthread_join(t[k],0); double e=now()-s; if(e<best)best=e;}
    printf("%s pf=%d threads=%d %.1f GB/s\n",names[variant],pf,th,ROWS*N*4/best/1e9);}
}
