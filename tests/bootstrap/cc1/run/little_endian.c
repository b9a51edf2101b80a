/* writing numbers as little-endian bytes and reading them back through chars */
void put32(char* p, int v)
{
	p[0] = v & 0xFF;
	p[1] = (v >> 8) & 0xFF;
	p[2] = (v >> 16) & 0xFF;
	p[3] = (v >> 24) & 0xFF;
}

int get32(char* p)
{
	return (p[0] & 0xFF) | ((p[1] & 0xFF) << 8) | ((p[2] & 0xFF) << 16) | ((p[3] & 0xFF) << 24);
}

int main()
{
	char buf[8];
	int x = 0x12345678;
	char* px = (char*)&x;
	put32(buf, -123456);
	show("back", get32(buf));
	put32(buf + 4, 0x7FFFFFFF);
	show("max", get32(buf + 4));
	show("byte0", px[0]);
	show("byte3", px[3]);
	show("b2", buf[2]);
	return 0;
}
