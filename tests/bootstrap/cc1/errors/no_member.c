// error: 9: no such member: z
struct p
{
	int x;
};
int main()
{
	struct p v;
	return v.z;
}
