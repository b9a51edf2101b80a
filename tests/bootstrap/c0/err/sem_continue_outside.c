// ERROR 3: continue outside a loop
int main() {
    if (1) continue;
}
