// ERROR 2: incomplete type
struct later v;
