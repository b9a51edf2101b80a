// ERROR 3: unsupported keyword 'case'
int main() {
    case 1: return 0;
}
