// A recursive-descent calculator: reads lines of expressions and
// assignments from standard input, evaluates them with C precedence, and
// reports errors with their column.  Variables are single letters.
#include <unistd.h>
#include "lib.h"

#define MAX_LINE 256
// CONSTANT MAX_LINE 256

struct parser {
    char* text;
    int pos;
    int error;
    int error_pos;
    char* message;
};

int vars[26];
int defined[26];

char peek(struct parser* p) {
    while (p->text[p->pos] == ' ' || p->text[p->pos] == '\t')
        p->pos = p->pos + 1;
    return p->text[p->pos];
}

void fail(struct parser* p, char* message) {
    if (!p->error) {
        p->error = 1;
        p->error_pos = p->pos;
        p->message = message;
    }
}

int accept(struct parser* p, char c) {
    if (peek(p) == c) {
        p->pos = p->pos + 1;
        return 1;
    }
    return 0;
}

int accept2(struct parser* p, char c1, char c2) {
    if (peek(p) == c1 && p->text[p->pos + 1] == c2) {
        p->pos = p->pos + 2;
        return 1;
    }
    return 0;
}

int expression(struct parser* p);

int number(struct parser* p) {
    int v = 0;
    int digits = 0;
    while (p->text[p->pos] >= '0' && p->text[p->pos] <= '9') {
        v = v * 10 + (p->text[p->pos] - '0');
        p->pos = p->pos + 1;
        digits = digits + 1;
    }
    if (digits == 0) fail(p, "number expected");
    return v;
}

int primary(struct parser* p) {
    char c = peek(p);
    if (accept(p, '(')) {
        int v = expression(p);
        if (!accept(p, ')')) fail(p, "')' expected");
        return v;
    }
    if (c >= 'a' && c <= 'z') {
        p->pos = p->pos + 1;
        if (!defined[c - 'a']) {
            p->pos = p->pos - 1;
            fail(p, "undefined variable");
            return 0;
        }
        return vars[c - 'a'];
    }
    if (c >= '0' && c <= '9') return number(p);
    fail(p, "value expected");
    return 0;
}

int unary(struct parser* p) {
    if (accept(p, '-')) return -unary(p);
    if (accept(p, '!')) return !unary(p);
    if (accept(p, '~')) return ~unary(p);
    return primary(p);
}

int term(struct parser* p) {
    int v = unary(p);
    while (!p->error) {
        int r;
        if (accept(p, '*')) {
            v = v * unary(p);
        } else if (accept(p, '/')) {
            int at = p->pos;
            r = unary(p);
            if (r == 0) {
                p->pos = at;
                fail(p, "division by zero");
                return 0;
            }
            v = v / r;
        } else if (accept(p, '%')) {
            int at = p->pos;
            r = unary(p);
            if (r == 0) {
                p->pos = at;
                fail(p, "division by zero");
                return 0;
            }
            v = v % r;
        } else {
            return v;
        }
    }
    return v;
}

int sum(struct parser* p) {
    int v = term(p);
    while (!p->error) {
        if (accept(p, '+')) v = v + term(p);
        else if (accept(p, '-')) v = v - term(p);
        else return v;
    }
    return v;
}

int shift(struct parser* p) {
    int v = sum(p);
    while (!p->error) {
        if (accept2(p, '<', '<')) v = v << (sum(p) & 31);
        else if (accept2(p, '>', '>')) v = v >> (sum(p) & 31);
        else return v;
    }
    return v;
}

int compare(struct parser* p) {
    int v = shift(p);
    while (!p->error) {
        if (accept2(p, '<', '=')) v = v <= shift(p);
        else if (accept2(p, '>', '=')) v = v >= shift(p);
        else if (accept2(p, '=', '=')) v = v == shift(p);
        else if (accept2(p, '!', '=')) v = v != shift(p);
        else if (accept(p, '<')) v = v < shift(p);
        else if (accept(p, '>')) v = v > shift(p);
        else return v;
    }
    return v;
}

int bits(struct parser* p) {
    int v = compare(p);
    while (!p->error) {
        if (peek(p) == '&' && p->text[p->pos + 1] != '&') {
            p->pos = p->pos + 1;
            v = v & compare(p);
        } else if (peek(p) == '|' && p->text[p->pos + 1] != '|') {
            p->pos = p->pos + 1;
            v = v | compare(p);
        } else if (accept(p, '^')) {
            v = v ^ compare(p);
        } else {
            return v;
        }
    }
    return v;
}

int logic(struct parser* p) {
    int v = bits(p);
    while (!p->error) {
        if (accept2(p, '&', '&')) {
            int r = bits(p);
            v = v && r;
        } else if (accept2(p, '|', '|')) {
            int r = bits(p);
            v = v || r;
        } else {
            return v;
        }
    }
    return v;
}

int expression(struct parser* p) {
    int start = p->pos;
    char c = peek(p);
    if (c >= 'a' && c <= 'z') {
        p->pos = p->pos + 1;
        if (peek(p) == '=' && p->text[p->pos + 1] != '=') {
            int v;
            p->pos = p->pos + 1;
            v = expression(p);
            if (!p->error) {
                vars[c - 'a'] = v;
                defined[c - 'a'] = 1;
            }
            return v;
        }
    }
    p->pos = start;
    return logic(p);
}

void run_line(char* line, int number) {
    struct parser p;
    int v;
    int i;
    p.text = line;
    p.pos = 0;
    p.error = 0;
    if (peek(&p) == 0) return;
    v = expression(&p);
    if (!p.error && peek(&p) != 0) fail(&p, "end of line expected");
    print_int(number);
    print(": ");
    if (p.error) {
        print("error: ");
        print(p.message);
        print(" at column ");
        print_int(p.error_pos + 1);
        print_ln();
        print("   ");
        print(line);
        print_ln();
        print("   ");
        for (i = 0; i < p.error_pos; i = i + 1) print(" ");
        print("^");
        print_ln();
    } else {
        print_int(v);
        print_ln();
    }
}

int main() {
    char line[MAX_LINE];
    char c[1];
    int len = 0;
    int number = 1;
    while (read(0, c, 1) == 1) {
        if (c[0] == '\n') {
            line[len] = 0;
            run_line(line, number);
            number = number + 1;
            len = 0;
        } else if (len < MAX_LINE - 1) {
            line[len] = c[0];
            len = len + 1;
        }
    }
    if (len > 0) {
        line[len] = 0;
        run_line(line, number);
    }
    return 0;
}
