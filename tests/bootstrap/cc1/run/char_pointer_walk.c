/* walking strings with char pointers: search, count, split */
char* find(char* s, int c)
{
	while(*s != 0)
	{
		if(*s == c) return s;
		s = s + 1;
	}
	return 0;
}

int count(char* s, int c)
{
	int n = 0;
	char* p = s;
	while((p = find(p, c)) != 0)
	{
		n = n + 1;
		p = p + 1;
	}
	return n;
}

int main()
{
	char* path = "/usr/share/mes/module";
	char* last = path;
	char* p = path;
	while((p = find(p, '/')) != 0)
	{
		last = p;
		p = p + 1;
	}
	put_s(last + 1);
	nl();
	show("slashes", count(path, '/'));
	show("offset", last - path);
	show("none", find(path, 'z') == 0);
	return 0;
}
