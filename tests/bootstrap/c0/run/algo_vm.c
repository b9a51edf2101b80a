// A small stack virtual machine: assembles and runs programs that loop,
// call subroutines and print.
#include <stdlib.h>
#include "lib.h"
#define PUSH 1
// CONSTANT PUSH 1
#define ADD 2
// CONSTANT ADD 2
#define SUB 3
// CONSTANT SUB 3
#define MUL 4
// CONSTANT MUL 4
#define JZ 5
// CONSTANT JZ 5
#define JMP 6
// CONSTANT JMP 6
#define DUP 7
// CONSTANT DUP 7
#define PRINT 8
// CONSTANT PRINT 8
#define HALT 9
// CONSTANT HALT 9
#define CALL 10
// CONSTANT CALL 10
#define RET 11
// CONSTANT RET 11
#define SWAP 12
// CONSTANT SWAP 12
#define DROP 13
// CONSTANT DROP 13
#define OVER 14
// CONSTANT OVER 14
struct vm {
    int code[256];
    int len;
    int stack[64];
    int sp;
    int calls[32];
    int csp;
    int steps;
};
void emit(struct vm* m, int op) {
    m->code[m->len] = op;
    m->len = m->len + 1;
}
void push(struct vm* m, int v) {
    m->stack[m->sp] = v;
    m->sp = m->sp + 1;
}
int pop(struct vm* m) {
    m->sp = m->sp - 1;
    return m->stack[m->sp];
}
int execute(struct vm* m) {
    int pc = 0;
    while (1) {
        int op = m->code[pc];
        int a;
        int b;
        pc = pc + 1;
        m->steps = m->steps + 1;
        if (op == PUSH) { push(m, m->code[pc]); pc = pc + 1; }
        else if (op == ADD) { b = pop(m); a = pop(m); push(m, a + b); }
        else if (op == SUB) { b = pop(m); a = pop(m); push(m, a - b); }
        else if (op == MUL) { b = pop(m); a = pop(m); push(m, a * b); }
        else if (op == JZ) { if (pop(m) == 0) pc = m->code[pc]; else pc = pc + 1; }
        else if (op == JMP) { pc = m->code[pc]; }
        else if (op == DUP) { a = pop(m); push(m, a); push(m, a); }
        else if (op == PRINT) { print_int(pop(m)); print(" "); }
        else if (op == CALL) { m->calls[m->csp] = pc + 1; m->csp = m->csp + 1; pc = m->code[pc]; }
        else if (op == RET) { m->csp = m->csp - 1; pc = m->calls[m->csp]; }
        else if (op == SWAP) { b = pop(m); a = pop(m); push(m, b); push(m, a); }
        else if (op == DROP) { pop(m); }
        else if (op == OVER) { b = pop(m); a = pop(m); push(m, a); push(m, b); push(m, a); }
        else if (op == HALT) { return m->sp; }
        else { print("bad op\n"); return -1; }
    }
}
int main() {
    struct vm* m = calloc(1, sizeof(struct vm));
    int loop;
    int done;
    // countdown from 10, printing each value times itself (via a subroutine)
    emit(m, PUSH); emit(m, 10);
    loop = m->len;
    emit(m, DUP); emit(m, JZ); done = m->len; emit(m, 0);
    emit(m, DUP); emit(m, CALL); emit(m, 0);
    emit(m, PRINT);
    emit(m, PUSH); emit(m, 1); emit(m, SUB);
    emit(m, JMP); emit(m, loop);
    m->code[done] = m->len;
    emit(m, DROP);
    emit(m, PUSH); emit(m, 6); emit(m, PUSH); emit(m, 7); emit(m, OVER); emit(m, MUL);
    emit(m, ADD); emit(m, PRINT);
    emit(m, HALT);
    m->code[7] = m->len;
    emit(m, DUP); emit(m, MUL); emit(m, RET);
    print_ln();
    print_kv("left on stack", execute(m));
    print_kv("steps", m->steps);
    return 0;
}
