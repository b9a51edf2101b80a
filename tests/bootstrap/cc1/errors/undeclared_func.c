// error: 4: call to undeclared function nowhere
int main()
{
	return nowhere(1);
}
