"""Innovation credits (创新积分): a versioned scoring model held as data, and yearly scores per enterprise."""
