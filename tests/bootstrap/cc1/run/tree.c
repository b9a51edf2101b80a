/* a binary search tree: insert, in-order walk, height, count */
struct tree
{
	int key;
	struct tree* left;
	struct tree* right;
};

struct tree* insert(struct tree* t, int key)
{
	if(t == 0)
	{
		t = calloc(1, sizeof(struct tree));
		t->key = key;
		return t;
	}
	if(key < t->key) t->left = insert(t->left, key);
	else if(key > t->key) t->right = insert(t->right, key);
	return t;
}

void walk(struct tree* t)
{
	if(t == 0) return;
	walk(t->left);
	put_i(t->key);
	put_c(' ');
	walk(t->right);
}

int height(struct tree* t)
{
	int l;
	int r;
	if(t == 0) return 0;
	l = height(t->left);
	r = height(t->right);
	return 1 + (l > r ? l : r);
}

int main()
{
	struct tree* t = 0;
	int i;
	for(i = 0; i < 30; i = i + 1) t = insert(t, (i * 17 + 5) % 41);
	walk(t);
	nl();
	show("height", height(t));
	return 0;
}
