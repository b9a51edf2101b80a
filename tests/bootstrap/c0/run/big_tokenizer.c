// A tokenizer for a small C-like language, run over a built-in text and
// over standard input.  It reports each token's kind, text and line,
// then statistics per kind.
#include <stdlib.h>
#include "lib.h"

#define T_EOF 0
// CONSTANT T_EOF 0
#define T_IDENT 1
// CONSTANT T_IDENT 1
#define T_NUMBER 2
// CONSTANT T_NUMBER 2
#define T_STRING 3
// CONSTANT T_STRING 3
#define T_CHAR 4
// CONSTANT T_CHAR 4
#define T_PUNCT 5
// CONSTANT T_PUNCT 5
#define T_KEYWORD 6
// CONSTANT T_KEYWORD 6
#define T_ERROR 7
// CONSTANT T_ERROR 7
#define MAX_TEXT 64
// CONSTANT MAX_TEXT 64

struct token {
    int kind;
    char text[MAX_TEXT];
    int value;
    int line;
    struct token* next;
};

struct lexer {
    char* src;
    int pos;
    int line;
};

char* kind_names[8];
char* keywords[10];
int counts[8];

int is_alpha(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

int is_digit(int c) {
    return c >= '0' && c <= '9';
}

int is_space(int c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int streq(char* a, char* b) {
    while (*a != 0 && *a == *b) {
        a = a + 1;
        b = b + 1;
    }
    return *a == *b;
}

int is_keyword(char* s) {
    int i = 0;
    while (keywords[i] != 0) {
        if (streq(keywords[i], s)) return 1;
        i = i + 1;
    }
    return 0;
}

char peek_at(struct lexer* lx, int ahead) {
    return lx->src[lx->pos + ahead];
}

void skip_space_and_comments(struct lexer* lx) {
    while (1) {
        char c = peek_at(lx, 0);
        if (c == '\n') {
            lx->line = lx->line + 1;
            lx->pos = lx->pos + 1;
        } else if (is_space(c)) {
            lx->pos = lx->pos + 1;
        } else if (c == '/' && peek_at(lx, 1) == '/') {
            while (peek_at(lx, 0) != '\n' && peek_at(lx, 0) != 0)
                lx->pos = lx->pos + 1;
        } else if (c == '/' && peek_at(lx, 1) == '*') {
            lx->pos = lx->pos + 2;
            while (peek_at(lx, 0) != 0 && !(peek_at(lx, 0) == '*' && peek_at(lx, 1) == '/')) {
                if (peek_at(lx, 0) == '\n') lx->line = lx->line + 1;
                lx->pos = lx->pos + 1;
            }
            if (peek_at(lx, 0) != 0) lx->pos = lx->pos + 2;
        } else {
            return;
        }
    }
}

void add_char(struct token* t, int* len, int c) {
    if (*len < MAX_TEXT - 1) {
        t->text[*len] = c;
        *len = *len + 1;
        t->text[*len] = 0;
    }
}

int escape_value(int c) {
    if (c == 'n') return '\n';
    if (c == 't') return '\t';
    if (c == '0') return 0;
    return c;
}

struct token* next_token(struct lexer* lx) {
    struct token* t = calloc(1, sizeof(struct token));
    int len = 0;
    char c;
    skip_space_and_comments(lx);
    t->line = lx->line;
    c = peek_at(lx, 0);
    if (c == 0) {
        t->kind = T_EOF;
        return t;
    }
    if (is_alpha(c)) {
        while (is_alpha(peek_at(lx, 0)) || is_digit(peek_at(lx, 0))) {
            add_char(t, &len, peek_at(lx, 0));
            lx->pos = lx->pos + 1;
        }
        t->kind = T_IDENT;
        if (is_keyword(t->text)) t->kind = T_KEYWORD;
        return t;
    }
    if (is_digit(c)) {
        int base = 10;
        if (c == '0' && (peek_at(lx, 1) == 'x' || peek_at(lx, 1) == 'X')) {
            base = 16;
            add_char(t, &len, '0');
            add_char(t, &len, peek_at(lx, 1));
            lx->pos = lx->pos + 2;
        }
        while (1) {
            int d = -1;
            c = peek_at(lx, 0);
            if (is_digit(c)) d = c - '0';
            if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
            if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
            if (d < 0) break;
            t->value = t->value * base + d;
            add_char(t, &len, c);
            lx->pos = lx->pos + 1;
        }
        t->kind = T_NUMBER;
        return t;
    }
    if (c == '"' || c == '\'') {
        char quote = c;
        lx->pos = lx->pos + 1;
        while (peek_at(lx, 0) != quote) {
            c = peek_at(lx, 0);
            if (c == 0 || c == '\n') {
                t->kind = T_ERROR;
                return t;
            }
            if (c == '\\') {
                lx->pos = lx->pos + 1;
                c = escape_value(peek_at(lx, 0));
            }
            add_char(t, &len, c);
            t->value = c;
            lx->pos = lx->pos + 1;
        }
        lx->pos = lx->pos + 1;
        t->kind = T_STRING;
        if (quote == '\'') t->kind = T_CHAR;
        return t;
    }
    add_char(t, &len, c);
    lx->pos = lx->pos + 1;
    if ((c == '=' || c == '!' || c == '<' || c == '>') && peek_at(lx, 0) == '=') {
        add_char(t, &len, '=');
        lx->pos = lx->pos + 1;
    } else if ((c == '&' || c == '|' || c == '+' || c == '-') && peek_at(lx, 0) == c) {
        add_char(t, &len, c);
        lx->pos = lx->pos + 1;
    } else if (c == '-' && peek_at(lx, 0) == '>') {
        add_char(t, &len, '>');
        lx->pos = lx->pos + 1;
    }
    t->kind = T_PUNCT;
    if (!(c == '(' || c == ')' || c == '{' || c == '}' || c == ';' || c == ',' || c == '+' ||
          c == '-' || c == '*' || c == '/' || c == '=' || c == '<' || c == '>' || c == '!' ||
          c == '&' || c == '|' || c == '[' || c == ']' || c == '.' || c == '%'))
        t->kind = T_ERROR;
    return t;
}

struct token* tokenize(char* src) {
    struct lexer lx;
    struct token* head = 0;
    struct token* tail = 0;
    lx.src = src;
    lx.pos = 0;
    lx.line = 1;
    while (1) {
        struct token* t = next_token(&lx);
        if (tail == 0) head = t;
        else tail->next = t;
        tail = t;
        if (t->kind == T_EOF) return head;
    }
}

void show(struct token* list) {
    struct token* t;
    int i;
    for (i = 0; i < 8; i = i + 1) counts[i] = 0;
    for (t = list; t != 0; t = t->next) {
        counts[t->kind] = counts[t->kind] + 1;
        print_int(t->line);
        print(" ");
        print(kind_names[t->kind]);
        print(" [");
        print(t->text);
        print("]");
        if (t->kind == T_NUMBER || t->kind == T_CHAR) {
            print(" = ");
            print_int(t->value);
        }
        print_ln();
    }
    for (i = 0; i < 8; i = i + 1) {
        print(kind_names[i]);
        print(": ");
        print_int(counts[i]);
        print_ln();
    }
}

char* read_all(int fd) {
    int cap = 16;
    int len = 0;
    char* buf = calloc(cap, 1);
    while (1) {
        int n;
        if (len + 1 >= cap) {
            char* bigger = calloc(cap * 2, 1);
            int i;
            for (i = 0; i < len; i = i + 1) bigger[i] = buf[i];
            free(buf);
            buf = bigger;
            cap = cap * 2;
        }
        n = read(fd, buf + len, cap - len - 1);
        if (n <= 0) return buf;
        len = len + n;
    }
}

int main() {
    kind_names[0] = "eof"; kind_names[1] = "ident"; kind_names[2] = "number";
    kind_names[3] = "string"; kind_names[4] = "char"; kind_names[5] = "punct";
    kind_names[6] = "keyword"; kind_names[7] = "error";
    keywords[0] = "int"; keywords[1] = "char"; keywords[2] = "if"; keywords[3] = "else";
    keywords[4] = "while"; keywords[5] = "return"; keywords[6] = "struct";
    keywords[7] = "for"; keywords[8] = "void"; keywords[9] = 0;
    show(tokenize("int main() {\n  x = 0x1F + 42; // comment\n  /* block\n comment */ if (a <= b && c != 'z') return \"s\\n\";\n  p->q++; @\n}"));
    show(tokenize(read_all(0)));
    return 0;
}
