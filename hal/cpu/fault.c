// Fault containment for CPU kernels.
//
// A kernel is C code from a library the user loaded; a bad pointer in it
// raises SIGSEGV (or SIGBUS, SIGFPE, SIGILL, SIGABRT) on the worker thread.
// While a worker runs kernel code, a thread-local guard points at a jump
// buffer; the handler below, installed beside Go's with sigaction, records
// the fault and jumps back to the worker's entry point (shal_cpu_run), which
// returns the fault to Go as an error. Every other signal, and every fault
// outside kernel code, goes to the handler that was installed before ours
// (Go's), called exactly as the kernel would have called it, which is what
// the os/signal documentation asks of non-Go handlers for synchronous
// signals.
//
// The guard costs a thread-local store and a sigsetjmp without the signal
// mask (no system call) per call into kernel code. The mask the fault
// interrupted is restored from the signal context before the jump, which is
// what sigsetjmp(buf, 1) would have saved.
#define _GNU_SOURCE
#include "runtime.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

// The signals a kernel can raise by itself: memory faults, integer division
// by zero, illegal instructions (__builtin_trap) and abort (assert, stack
// smashing detected, a libc check).
static const int shal_fault_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define SHAL_NFAULT_SIGNALS (sizeof shal_fault_signals / sizeof shal_fault_signals[0])

static struct sigaction shal_prev[SHAL_NFAULT_SIGNALS];
static int shal_installed;
static int shal_install_errno;
static pthread_once_t shal_install_once = PTHREAD_ONCE_INIT;

// The guard of the kernel code this thread runs, NULL outside kernel code
// (runtime.h). It is thread-local storage, not the stack, so that a kernel
// that smashes its stack cannot also destroy the jump buffer that gets the
// worker out.
__thread shal_guard shal_tls_guard_storage SHAL_TLS;
__thread shal_guard* volatile shal_tls_guard SHAL_TLS;

static int shal_signal_index(int sig) {
  for (size_t i = 0; i < SHAL_NFAULT_SIGNALS; i++)
    if (shal_fault_signals[i] == sig) return (int)i;
  return -1;
}

// Hands a signal to the handler that was installed before ours.
static void shal_forward(int sig, siginfo_t* info, void* uctx) {
  int i = shal_signal_index(sig);
  if (i < 0) return;
  const struct sigaction* prev = &shal_prev[i];
  if (prev->sa_flags & SA_SIGINFO) {
    if (prev->sa_sigaction != NULL) {
      prev->sa_sigaction(sig, info, uctx);
      return;
    }
  } else if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
    prev->sa_handler(sig);
    return;
  }
  // No handler before ours (a program whose Go runtime did not install
  // one, or SIG_IGN, which the kernel overrides for faults too): take the
  // default action. A fault re-executes the instruction once we return;
  // a sent signal must be raised again.
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, NULL);
  if (info == NULL || info->si_code <= 0) raise(sig);
}

// shal_self_inflicted reports whether the signal was raised by what this
// thread executed, not sent from elsewhere: a fault (si_code > 0), or
// abort()/raise() on this very thread (SI_TKILL from our own process).
static int shal_self_inflicted(int sig, const siginfo_t* info) {
  if (info->si_code > 0) return sig != SIGABRT;
  return info->si_code == SI_TKILL && info->si_pid == getpid();
}

static void shal_fault_handler(int sig, siginfo_t* info, void* uctx) {
  shal_guard* g = shal_tls_guard;
  if (g == NULL || !shal_self_inflicted(sig, info)) {
    shal_forward(sig, info, uctx);
    return;
  }
  // Disarm first: a second fault while we finish goes to Go's handler.
  shal_tls_guard = NULL;
  shal_fault* f = g->fault;
  f->signo = sig;
  f->code = info->si_code;
  f->addr = (uint64_t)(uintptr_t)info->si_addr;
#if defined(__x86_64__)
  f->pc = (uint64_t)((ucontext_t*)uctx)->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
  f->pc = (uint64_t)((ucontext_t*)uctx)->uc_mcontext.pc;
#endif
  // The handler runs with every signal blocked (sa_mask): restore the mask
  // the kernel ran with before leaving the handler by a jump.
  pthread_sigmask(SIG_SETMASK, &((ucontext_t*)uctx)->uc_sigmask, NULL);
  siglongjmp(g->jb, 1);
}

static void shal_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = shal_fault_handler;
  // SA_ONSTACK: run on the thread's signal stack (Go gives every thread
  // one), as Go's own handler does; a kernel that overflowed its stack is
  // then still caught. Every signal is blocked while the handler runs, as
  // under Go's handler, which we may call.
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigfillset(&sa.sa_mask);
  for (size_t i = 0; i < SHAL_NFAULT_SIGNALS; i++) {
    if (sigaction(shal_fault_signals[i], &sa, &shal_prev[i]) != 0) {
      shal_install_errno = errno;
      // Put back what was replaced so far: half an installation would
      // catch some faults and not others.
      for (size_t j = 0; j < i; j++) sigaction(shal_fault_signals[j], &shal_prev[j], NULL);
      return;
    }
  }
  __atomic_store_n(&shal_installed, 1, __ATOMIC_RELEASE);
}

int shal_cpu_fault_install(void) {
  pthread_once(&shal_install_once, shal_install);
  return __atomic_load_n(&shal_installed, __ATOMIC_ACQUIRE) ? 0 : (shal_install_errno ? shal_install_errno : -1);
}

int shal_cpu_fault_check(void) {
  if (!__atomic_load_n(&shal_installed, __ATOMIC_ACQUIRE)) return -1;
  for (size_t i = 0; i < SHAL_NFAULT_SIGNALS; i++) {
    struct sigaction cur;
    if (sigaction(shal_fault_signals[i], NULL, &cur) != 0) return shal_fault_signals[i];
    if (!(cur.sa_flags & SA_SIGINFO) || cur.sa_sigaction != shal_fault_handler) return shal_fault_signals[i];
  }
  return 0;
}

void shal_guard_abandon(void) {
  shal_guard* g = shal_tls_guard;
  if (g == NULL) return;
  shal_tls_guard = NULL;
  g->fault->aborted = 1;
  siglongjmp(g->jb, 2);
}
