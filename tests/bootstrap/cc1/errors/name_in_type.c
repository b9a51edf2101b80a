// error: 4: unexpected name in a type
int main()
{
	return sizeof(int x);
}
