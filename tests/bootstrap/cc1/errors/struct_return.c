// error: 6: functions cannot return structs or arrays
struct s
{
	int a;
};
struct s f()
{
	return 0;
}
int main() { return 0; }
