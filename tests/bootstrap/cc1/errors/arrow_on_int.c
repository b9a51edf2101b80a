// error: 5: -> on something that is not a pointer
int main()
{
	int x;
	return x->y;
}
