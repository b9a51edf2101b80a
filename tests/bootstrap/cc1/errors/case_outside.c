// error: 4: case outside a switch
int main()
{
	case 1: return 0;
}
