"""UI forms of leads: they only collect raw values; the services clean and validate them."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import Industry
from guanxi.engagement.models import ActivityKind

from ..models import LeadSource, LeadStatus

# The provinces, municipalities and regions of China, offered as suggestions (free text is fine).
PROVINCES = (
    "北京市",
    "天津市",
    "上海市",
    "重庆市",
    "河北省",
    "山西省",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "海南省",
    "四川省",
    "贵州省",
    "云南省",
    "陕西省",
    "甘肃省",
    "青海省",
    "台湾省",
    "内蒙古自治区",
    "广西壮族自治区",
    "西藏自治区",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "香港特别行政区",
    "澳门特别行政区",
)


class LeadForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=2000)
    company = forms.CharField(label=_("Company"), required=False, max_length=2000)
    title = forms.CharField(label=_("Title"), required=False, max_length=2000)
    mobile = forms.CharField(label=_("Mobile"), required=False, max_length=200)
    phone = forms.CharField(label=_("Office phone"), required=False, max_length=200)
    email = forms.CharField(label=_("Email"), required=False, max_length=2000)
    wechat = forms.CharField(label=_("WeChat ID"), required=False, max_length=2000)
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=LeadSource.choices, initial=LeadSource.OTHER
    )
    industry = forms.ChoiceField(label=_("Industry"), required=False, choices=[("", "—"), *Industry.choices])
    province = forms.CharField(
        label=_("Province"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"list": "gx-provinces"}),
    )
    city = forms.CharField(label=_("City"), required=False, max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=50000, widget=forms.Textarea(attrs={"rows": 4})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def payload(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(v, label) for v, label in LeadStatus.choices if v != LeadStatus.CONVERTED]
    )
    reason = forms.CharField(label=_("Why is it unqualified?"), required=False, max_length=2000)
    version = forms.IntegerField(required=False)


class FollowupForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices, initial="call")
    subject = forms.CharField(label=_("Subject"), required=False, max_length=2000)
    content = forms.CharField(
        label=_("What happened"), required=False, max_length=200000, widget=forms.Textarea(attrs={"rows": 3})
    )
    occurred_at = forms.CharField(
        label=_("When"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: now."),
    )


class LeadTransferForm(forms.Form):
    owner = forms.ChoiceField(label=_("New owner"), choices=[])

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(u.username, f"{u} ({u.username})") for u in users]


class ConvertForm(forms.Form):
    account = forms.CharField(required=False, max_length=30)  # "" = create a new account, else an id
    with_opportunity = forms.BooleanField(label=_("Also create an opportunity"), required=False)
    opportunity_name = forms.CharField(label=_("Opportunity name"), required=False, max_length=2000)
    amount = forms.CharField(label=_("Amount"), required=False, max_length=100)
    pipeline = forms.CharField(label=_("Pipeline"), required=False, max_length=30)

    def opportunity(self) -> dict | None:
        if not self.cleaned_data.get("with_opportunity"):
            return None
        draft = {"name": self.cleaned_data.get("opportunity_name", "")}
        if self.cleaned_data.get("amount"):
            draft["amount"] = self.cleaned_data["amount"]
        if self.cleaned_data.get("pipeline"):
            draft["pipeline"] = self.cleaned_data["pipeline"]
        return draft
