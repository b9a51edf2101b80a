/* globals of many types side by side keep their own storage */
char g_c1 = 'a';
int g_i1 = 11;
char g_c2 = 'b';
long g_l1 = -22;
char g_buf[3];
int g_i2 = 33;
char* g_p = "ptr";
unsigned char g_uc = 200;
int g_arr[2];

int main()
{
	g_buf[0] = 1;
	g_buf[1] = 2;
	g_buf[2] = 3;
	g_arr[0] = 44;
	g_arr[1] = 55;
	show("c1", g_c1);
	show("i1", g_i1);
	show("c2", g_c2);
	show("l1", g_l1);
	show("buf", g_buf[0] + g_buf[1] + g_buf[2]);
	show("i2", g_i2);
	put_s(g_p);
	nl();
	show("uc", g_uc);
	show("arr", g_arr[0] + g_arr[1]);
	return 0;
}
