// error: 5: type name used as a value: number
typedef int number;
int main()
{
	return number;
}
