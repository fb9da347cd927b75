"""Amounts in Chinese capital numerals (人民币大写), as written on quotes, contracts and cheques.

The rules are those of the People's Bank of China for filling in payment documents
(《支付结算办法》附件《正确填写票据和结算凭证的基本规定》):

- 拾 is always preceded by a digit: 10 → 壹拾元整, never 拾元整;
- one 零 stands for any run of zeros between two non-zero digits: 6,007.14 → 陆仟零柒元壹角肆分,
  but none at the end of a 万 or 亿 group: 105,000 → 壹拾万伍仟元整;
- when 角 is zero and 分 is not, 零 follows 元: 325.04 → 叁佰贰拾伍元零肆分;
- when the units digit is zero and 角 is not, the rules allow 零 or not; we always write it,
  as it leaves no room to insert a digit: 1,680.32 → 壹仟陆佰捌拾元零叁角贰分;
- an amount that ends at 元 or 角 ends with 整; one with 分 does not.
"""

from decimal import Decimal

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
# 4-digit groups from the right: units, 万, 亿, 万亿 (the largest group written here).
_GROUPS = ("", "万", "亿", "万亿")
_CENT = Decimal("0.01")
LIMIT = Decimal(10) ** 16
"""Amounts must be below 10¹⁶ (one 亿亿): 玖仟玖佰玖拾玖万亿… is the largest written."""


def rmb_upper(amount: Decimal) -> str:
    """Write a non-negative amount of yuan, exact to the fen, in capital numerals.

    `rmb_upper(Decimal("12345.67"))` is "壹万贰仟叁佰肆拾伍元陆角柒分"; a whole amount
    ends with 整 ("壹拾元整"), zero is "零元整". Raises ValueError for a negative amount,
    one with a fraction of a fen, one of 10¹⁶ or more, or not a finite number: an amount
    in words is what a contract binds, so it is never rounded.
    """
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError(f"not a finite decimal amount: {amount!r}")
    if amount < 0:
        raise ValueError(f"a negative amount has no capital form: {amount}")
    if amount != amount.quantize(_CENT):
        raise ValueError(f"the amount has a fraction of a fen: {amount}")
    if amount >= LIMIT:
        raise ValueError(f"the amount is too large to write in words: {amount}")

    fen_total = int(amount * 100)
    yuan, cents = divmod(fen_total, 100)
    jiao, fen = divmod(cents, 10)

    words = _yuan_words(yuan)
    if yuan:
        words += "元"
    if jiao:
        if yuan and yuan % 10 == 0:
            words += "零"
        words += _DIGITS[jiao] + "角"
    if fen:
        if yuan and not jiao:
            words += "零"
        words += _DIGITS[fen] + "分"
    if not fen_total:
        return "零元整"
    return words if fen else words + "整"


def _yuan_words(yuan: int) -> str:
    digits = str(yuan) if yuan else ""
    groups = [int(str(yuan)[max(0, end - 4) : end]) for end in range(len(digits), 0, -4)]
    out: list[str] = []
    pending_zero = False
    for position, char in enumerate(digits):
        place = len(digits) - 1 - position  # 0 is the units digit
        digit = int(char)
        if digit:
            if pending_zero:
                out.append("零")
                pending_zero = False
            out.append(_DIGITS[digit] + _UNITS[place % 4])
        elif out:
            pending_zero = True
        if place % 4 == 0 and place:
            group = place // 4
            if groups[group]:
                suffix = _GROUPS[group]
                # 1,2345,0000,0000 is 壹万贰仟叁佰肆拾伍亿: the 亿 of 万亿 comes with the next group.
                if group == 3 and groups[2]:
                    suffix = "万"
                out.append(suffix)
                pending_zero = False  # 105,000 is 壹拾万伍仟: no 零 for the zero before 万
    return "".join(out)
