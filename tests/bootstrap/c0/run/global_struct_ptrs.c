// Global pointers to globals set at run time; global arrays of structs
// used through pointers; a global string table.
#include "lib.h"
struct rec {
    char* name;
    int score;
};
struct rec table[4];
struct rec* best;
char* names = "ann\0bob\0cid\0dee";
int* counter;
int count_storage;
int main() {
    int i;
    counter = &count_storage;
    for (i = 0; i < 4; i = i + 1) {
        table[i].name = names + i * 4;
        table[i].score = (i * 37 + 11) % 50;
        *counter = *counter + 1;
        if (best == 0 || table[i].score > best->score) best = &table[i];
    }
    for (i = 0; i < 4; i = i + 1) {
        print(table[i].name);
        print(" ");
        print_int(table[i].score);
        print_ln();
    }
    print("best ");
    print(best->name);
    print_ln();
    print_kv("count", count_storage);
    print_kv("index", best - table);
    return 0;
}
