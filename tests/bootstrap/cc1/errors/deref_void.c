// error: 5: dereference of a void pointer
int main()
{
	void* p = 0;
	return *p;
}
