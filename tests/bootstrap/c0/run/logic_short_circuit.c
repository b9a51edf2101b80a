// && and || evaluate their right side only when needed.
#include "lib.h"
int calls;
int trace(int v) {
    calls = calls * 10 + v;
    return v;
}
int main() {
    int r;
    calls = 0; r = trace(0) && trace(1); print_kv("r", r); print_kv("calls", calls);
    calls = 0; r = trace(2) && trace(3); print_kv("r", r); print_kv("calls", calls);
    calls = 0; r = trace(4) || trace(5); print_kv("r", r); print_kv("calls", calls);
    calls = 0; r = trace(0) || trace(6); print_kv("r", r); print_kv("calls", calls);
    calls = 0; r = trace(0) || trace(0); print_kv("r", r); print_kv("calls", calls);
    calls = 0; r = trace(1) && trace(2) && trace(3); print_kv("r", r); print_kv("calls", calls);
    calls = 0; r = trace(1) && trace(0) && trace(3); print_kv("r", r); print_kv("calls", calls);
    calls = 0; r = trace(0) || trace(0) || trace(7); print_kv("r", r); print_kv("calls", calls);
    calls = 0; r = trace(1) && trace(0) || trace(5); print_kv("r", r); print_kv("calls", calls);
    calls = 0; r = trace(0) && trace(2) || trace(0) && trace(4); print_kv("r", r); print_kv("calls", calls);
    r = 5 && 7; print_kv("5&&7", r);
    r = 0 || -3; print_kv("0||-3", r);
    return 0;
}
