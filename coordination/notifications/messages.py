"""What a notification says, in each supported language."""

TITLES: dict[str, dict[str, str]] = {
    "financing_request.submit": {
        "en": "Request {reference} submitted",
        "zh-hans": "融资需求 {reference} 已提交",
    },
    "financing_request.screen_pass": {
        "en": "Request {reference} passed screening and awaits triage",
        "zh-hans": "融资需求 {reference} 已通过初审，等待分诊",
    },
    "financing_request.screen_fail": {
        "en": "Request {reference}: information missing",
        "zh-hans": "融资需求 {reference}：材料不全",
    },
    "financing_request.request_info": {
        "en": "Request {reference}: more information requested",
        "zh-hans": "融资需求 {reference}：请补充材料",
    },
    "financing_request.reject": {
        "en": "Request {reference} rejected",
        "zh-hans": "融资需求 {reference} 未获通过",
    },
    "financing_request.route": {
        "en": "Request {reference} sent to financial institutions",
        "zh-hans": "融资需求 {reference} 已推送至金融机构",
    },
    "financing_request.return_to_triage": {
        "en": "Request {reference} needs re-routing",
        "zh-hans": "融资需求 {reference} 需重新匹配",
    },
    "financing_request.all_tranches_accepted": {
        "en": "Request {reference}: offers accepted, awaiting approval",
        "zh-hans": "融资需求 {reference}：已接受报价，等待审批",
    },
    "financing_request.accept_partial_package": {
        "en": "Request {reference}: partial package accepted",
        "zh-hans": "融资需求 {reference}：部分方案已确认",
    },
    "financing_request.propose_approval": {
        "en": "Request {reference}: approval awaits your confirmation",
        "zh-hans": "融资需求 {reference}：审批待您复核",
    },
    "financing_request.approve": {
        "en": "Request {reference} approved",
        "zh-hans": "融资需求 {reference} 已审批通过",
    },
    "financing_request.confirm_approval": {
        "en": "Request {reference} approved",
        "zh-hans": "融资需求 {reference} 已审批通过",
    },
    "financing_request.record_funding": {
        "en": "Request {reference}: funding recorded",
        "zh-hans": "融资需求 {reference}：已放款",
    },
    "financing_request.close": {"en": "Request {reference} closed", "zh-hans": "融资需求 {reference} 已办结"},
    "financing_request.withdraw": {
        "en": "Request {reference} withdrawn",
        "zh-hans": "融资需求 {reference} 已撤回",
    },
    "financing_request.expire": {
        "en": "Request {reference} expired",
        "zh-hans": "融资需求 {reference} 已过期",
    },
    "referral.route": {"en": "New referral: {reference}", "zh-hans": "新的融资推荐：{reference}"},
    "referral.request_info": {
        "en": "{reference}: an institution asks for information",
        "zh-hans": "{reference}：金融机构请求补充信息",
    },
    "referral.provide_info": {
        "en": "{reference}: the applicant answered",
        "zh-hans": "{reference}：申请企业已补充信息",
    },
    "referral.withdraw": {"en": "{reference}: referral withdrawn", "zh-hans": "{reference}：推荐已撤回"},
    "referral.supersede": {
        "en": "{reference}: another offer was accepted",
        "zh-hans": "{reference}：企业已接受其他机构报价",
    },
    "offer.make": {"en": "{reference}: you received an offer", "zh-hans": "{reference}：您收到一份融资报价"},
    "offer.withdraw": {"en": "{reference}: an offer was withdrawn", "zh-hans": "{reference}：报价已撤回"},
    "offer.expire": {"en": "{reference}: an offer expired", "zh-hans": "{reference}：报价已过期"},
    "offer.accept": {
        "en": "{reference}: your offer was accepted",
        "zh-hans": "{reference}：您的报价已被接受",
    },
    "offer.supersede": {
        "en": "{reference}: your offer was not taken",
        "zh-hans": "{reference}：您的报价未被采纳",
    },
    # Joining an enterprise (DESIGN §1): `reference` is the enterprise's name.
    "enterprise.join_requested": {
        "en": "{reference}: a user asks to join",
        "zh-hans": "{reference}：有用户申请加入",
    },
    "enterprise.join_approved": {
        "en": "{reference}: your request to join was approved",
        "zh-hans": "{reference}：您的加入申请已获批准",
    },
    "enterprise.join_refused": {
        "en": "{reference}: your request to join was refused",
        "zh-hans": "{reference}：您的加入申请未获批准",
    },
    "deadline.remind": {"en": "{reference}: due soon", "zh-hans": "{reference}：即将到期"},
    "deadline.escalate": {"en": "{reference}: overdue", "zh-hans": "{reference}：已逾期"},
}
FALLBACK = {"en": "{reference}: {topic}", "zh-hans": "{reference}：{topic}"}


def title_for(topic: str, language: str, payload: dict) -> str:
    language = language if language in ("en", "zh-hans") else "zh-hans"
    template = TITLES.get(topic, FALLBACK)[language]
    return template.format(reference=payload.get("reference", ""), topic=topic)


def body_for(topic: str, language: str, payload: dict) -> str:
    lines = []
    if payload.get("from_status") or payload.get("to_status"):
        label = "Status" if language == "en" else "状态"
        lines.append(f"{label}: {payload.get('from_status') or '—'} → {payload.get('to_status')}")
    if payload.get("applicant"):
        label = "Applicant" if language == "en" else "申请人"
        lines.append(f"{label}: {payload['applicant']}")
    if payload.get("message"):
        label = "Message" if language == "en" else "留言"
        lines.append(f"{label}: {payload['message']}")
    if payload.get("reason"):
        label = "Note" if language == "en" else "说明"
        lines.append(f"{label}: {payload['reason']}")
    if payload.get("due_at"):
        label = "Due" if language == "en" else "截止时间"
        lines.append(f"{label}: {payload['due_at']}")
    return "\n".join(lines)
