/* A shared library that is not an analytica plugin: no entry symbol. */
__attribute__((visibility("default"))) int some_other_symbol(void) { return 42; }
