"""Product reviews, eligibility, the weighted rating, review programmes and review requests."""
