// error: 4: ++ or -- needs a scalar variable
int main()
{
	return 3++;
}
