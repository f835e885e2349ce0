/* A shared object that is not a streamhal CPU kernel library. */
__attribute__((visibility("default"))) int answer(void) { return 42; }
