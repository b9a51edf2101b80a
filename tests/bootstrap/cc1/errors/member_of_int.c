// error: 5: member access on something that is not a struct or union
int main()
{
	int x;
	return x.y;
}
