// error: 4: undeclared identifier y
int main()
{
	return y;
}
