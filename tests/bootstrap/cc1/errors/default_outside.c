// error: 4: default outside a switch
int main()
{
	default: return 0;
}
