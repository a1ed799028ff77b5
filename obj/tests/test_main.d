obj/tests/test_main.o: tests/test_main.c tests/harness.h
tests/harness.h:
