// error: 4: break or continue outside a loop
int main()
{
	break;
	return 0;
}
