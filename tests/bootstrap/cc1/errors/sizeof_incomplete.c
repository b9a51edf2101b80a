// error: 4: sizeof of an incomplete struct or union
int main()
{
	return sizeof(struct unknown);
}
