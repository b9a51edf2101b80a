// A Brainfuck interpreter with precomputed bracket jumps.
#include <stdlib.h>
#include "lib.h"
int run(char* code, char* input) {
    int n = str_len(code);
    int* jump = calloc(n + 1, sizeof(int));
    int* stack = calloc(n + 1, sizeof(int));
    char* tape = calloc(30000, 1);
    int sp = 0;
    int pc;
    int ptr = 15000;   // some programs move left of where they start
    int steps = 0;
    for (pc = 0; pc < n; pc = pc + 1) {
        if (code[pc] == '[') {
            stack[sp] = pc;
            sp = sp + 1;
        } else if (code[pc] == ']') {
            sp = sp - 1;
            jump[pc] = stack[sp];
            jump[stack[sp]] = pc;
        }
    }
    pc = 0;
    while (pc < n) {
        char c = code[pc];
        if (c == '>') ptr = ptr + 1;
        else if (c == '<') ptr = ptr - 1;
        else if (c == '+') tape[ptr] = tape[ptr] + 1;
        else if (c == '-') tape[ptr] = tape[ptr] - 1;
        else if (c == '.') print_char(tape[ptr]);
        else if (c == ',') {
            tape[ptr] = *input;
            if (*input) input = input + 1;
        } else if (c == '[') {
            if (tape[ptr] == 0) pc = jump[pc];
        } else if (c == ']') {
            if (tape[ptr] != 0) pc = jump[pc];
        }
        pc = pc + 1;
        steps = steps + 1;
    }
    return steps;
}
int main() {
    int steps = run("++++++++[>++++[>++>+++>+++>+<<<<-]>+>+>->>+[<]<-]>>.>---.+++++++..+++.>>.<-.<.+++.------.--------.>>+.>++.", "");
    print_kv("steps", steps);
    steps = run(",[.,]", "echo this\n");
    print_kv("steps", steps);
    steps = run("+[-->-[>>+>-----<<]<--<---]>-.>>>+.>>..+++[.>]<<<<.+++.------.<<-.>>>>+.", "");
    print_ln();
    print_kv("steps", steps);
    return 0;
}
