from django import template

register = template.Library()


@register.filter
def quote_amount(quote, code):
    """The amount of one fee item of a quote (0.00 when it does not apply)."""
    return quote.amount(code)
