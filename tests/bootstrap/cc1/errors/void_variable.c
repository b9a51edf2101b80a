// error: 4: variable of type void
int main()
{
	void v;
	return 0;
}
