"""Privacy: the data subject's rights (Art. 68) — "my data": what the base databases
hold about a citizen or an enterprise and who looked at it through the exchange API,
with lawful deferrals that hide an authority's access until a date."""
