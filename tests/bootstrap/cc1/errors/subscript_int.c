// error: 5: subscript of something that is not an array or pointer
int main()
{
	int x = 0;
	return x[1];
}
