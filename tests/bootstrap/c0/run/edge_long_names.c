// Long identifiers, names that look like M0 macros, labels and keywords.
#include "lib.h"
int a_very_long_identifier_name_that_goes_on_and_on_for_quite_a_while_to_test_the_lexer_and_hex2_labels_0123456789;
int push_eax;
int mov_eax;
int ret;
int FUNCTION_main;
int GLOBAL_x;
int L1;
int STRING_1;
int ELF_end;
int _start_;
int interrupt;
int integer;
int charm;
int iff;
int nop() {
    return 5;
}
int add_esp(int x) {
    return x + 1;
}
int main() {
    int L2 = 3;
    int LABEL_1_x = 4;
    a_very_long_identifier_name_that_goes_on_and_on_for_quite_a_while_to_test_the_lexer_and_hex2_labels_0123456789 = 42;
    push_eax = 1; mov_eax = 2; ret = 3; FUNCTION_main = 4; GLOBAL_x = 5; L1 = 6;
    STRING_1 = 7; ELF_end = 8; _start_ = 9; interrupt = 10; integer = 11; charm = 12; iff = 13;
    print_kv("long", a_very_long_identifier_name_that_goes_on_and_on_for_quite_a_while_to_test_the_lexer_and_hex2_labels_0123456789);
    print_kv("sum", push_eax + mov_eax + ret + FUNCTION_main + GLOBAL_x + L1 + STRING_1 + ELF_end +
                    _start_ + interrupt + integer + charm + iff + L2 + LABEL_1_x);
    print_kv("nop", nop());
    print_kv("add_esp", add_esp(9));
    return 0;
}
