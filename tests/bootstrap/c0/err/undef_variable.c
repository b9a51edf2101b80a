// ERROR 3: undefined name 'missing'
int main() {
    return missing;
}
